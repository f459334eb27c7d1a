#!/usr/bin/env bash
# CPack's .deb of the install: the package exists, installs under /usr, and
# holds the binary, its data, the library, headers and package files.
#   deb_test.sh BUILD_DIR WORK_DIR
set -euo pipefail
build=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work" > "$work/cpack.log"
debs=("$work"/loomvp_*.deb)
[ -f "${debs[0]}" ] || { echo "FAIL: no .deb in $work"; cat "$work/cpack.log"; exit 1; }
dpkg-deb -c "${debs[0]}" | awk '{print $6}' | sed 's|^\./|/|' > "$work/files.txt"
[ "$(dpkg-deb -f "${debs[0]}" Package)" = loomvp ] || { echo "FAIL: package name"; exit 1; }
status=0
for f in /usr/bin/loomvp /usr/share/loomvp/platform/configs/mobile-soc.json \
         /usr/share/loomvp/workloads/tiny-conv/network.json /usr/share/loomvp/firmware/include/loom_regs.h \
         /usr/share/loomvp/firmware/src/loom_driver.c /usr/include/loomvp/models/loom/loom.h \
         /usr/include/loomvp/firmware/include/loom_regs.h; do
  grep -qx "$f" "$work/files.txt" || { echo "FAIL: $f missing from the .deb"; status=1; }
done
for pattern in '^/usr/lib/(.*/)?libloomvp_models\.a$' '^/usr/lib/(.*/)?cmake/LoomVP/LoomVPConfig\.cmake$' \
               '^/usr/lib/(.*/)?pkgconfig/loomvp\.pc$'; do
  grep -Eq "$pattern" "$work/files.txt" || { echo "FAIL: nothing matching $pattern in the .deb"; status=1; }
done
# Nothing outside /usr, no build-tree or test files.
if grep -Ev '^/usr(/|$)|^/$' "$work/files.txt"; then echo "FAIL: files outside /usr"; status=1; fi
if grep -E '/tests?/|CMakeFiles' "$work/files.txt"; then echo "FAIL: build or test files packaged"; status=1; fi
[ $status -eq 0 ] && echo "PASS: $(wc -l < "$work/files.txt") entries"
exit $status
