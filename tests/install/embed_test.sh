#!/usr/bin/env bash
# examples/embed built out of tree against a staged install (DESTDIR) only:
# once through find_package(LoomVP), once through pkg-config; both must run
# one layer on Loom and match the example's own computation.
#   embed_test.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
build=$1 source=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
DESTDIR="$work/stage" cmake --install "$build" --prefix /opt/loomvp > "$work/install.log"
prefix="$work/stage/opt/loomvp"
cp -r "$source/examples/embed" "$work/src"  # outside the source tree

cmake -S "$work/src" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release > "$work/configure.log"
cmake --build "$work/cmake-build" > "$work/build.log"
"$work/cmake-build/loom_embed"

PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --exists loomvp
# shellcheck disable=SC2046
c++ -O1 -o "$work/loom_embed_pc" "$work/src/embed.cpp" $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs loomvp)
"$work/loom_embed_pc"
