#!/usr/bin/env bash
# One-command set-up for a fresh Debian machine (run as root):
#   ./scripts/setup.sh run    install what is missing, build, run AlexNet on the default platform
#   ./scripts/setup.sh test   install what is missing, build, run the whole test suite
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-}"
case "$mode" in
  run|test) ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

# Every dependency is a Debian package; docs/architecture.md says why each is here.
packages=(
  build-essential cmake pkg-config
  libsystemc-dev                      # SystemC 2.3.4 + TLM-2.0
  libboost-dev libboost-program-options-dev
  nlohmann-json3-dev
  catch2                              # Catch2 v2, the unit-test framework
  python3 python3-numpy               # workload tools and their tests
  ccache                              # shared compile cache for the normal and sanitized trees
  gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf  # RV32: ISS tests and benchmark, the cross-built driver
  gdb-multiarch                       # debugging the RV32 driver through the GDB server
  clang-14 libfuzzer-14-dev libclang-rt-14-dev  # libFuzzer harnesses, sanitizer runtimes
  libopenblas-dev                     # the golden reference's exact float64 GEMM
  python3-torch python3-torchvision python3-onnx  # network import and the bitlength learner
  dataset-fashion-mnist               # real data for the learned bitlengths
  python3-matplotlib python3-distributed python3-jsonschema python3-pytest  # plots, sweeps, schema, tests
  pybind11-dev python3-pybind11 python3-dev  # Python bindings of the device
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"

if [ "$mode" = run ]; then
  exec build/loomvp run --workload alexnet --engine lm1b --platform mobile-soc
else
  (cd build && ctest --output-on-failure -j"$(nproc)" --timeout 600 -LE big)
  # The suite again under AddressSanitizer + UBSan (clang-14), plus each
  # libFuzzer harness for 20 s and a replay of every committed crash input
  # (docs/errors.md section 6). Left out: AlexNet (label e2e) and the watchdog
  # test (label slow), too slow under ASan; LeakSanitizer, because SystemC
  # never unwinds threads still suspended when a simulation ends; the
  # host-compiled freestanding firmware test, where clang (unlike gcc) checks
  # the RV32 `wfi` assembly for the host; and the packaging tests (the embed
  # example and the Python module), which link the sanitized library into
  # programs built without the sanitizer runtime (docs/errors.md).
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DLOOMVP_SANITIZE=ON -DLOOMVP_FUZZ=ON
  cmake --build build-asan -j"$(nproc)"
  cd build-asan
  export ASAN_OPTIONS=detect_leaks=0
  exec ctest --output-on-failure -j"$(nproc)" --timeout 600 -LE "e2e|slow|big" \
    -E "^(firmware\.freestanding\.bare\.|install\.embed_example|python\.)"
fi
