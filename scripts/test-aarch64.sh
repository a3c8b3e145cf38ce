#!/usr/bin/env bash
# NEON path: cross-compile the CPU kernels and their parity tests with g++-aarch64-linux-gnu and run
# them under qemu-aarch64-static (correctness only; timings under emulation mean nothing).
set -euo pipefail
cd "$(dirname "$0")/.."
B=build-aarch64
if [ ! -f "$B/build.ninja" ]; then
  cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHETSPEC_KERNELS_ONLY=ON \
    -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-toolchain.cmake >/dev/null
fi
cmake --build "$B" -j "$(nproc)"
(cd "$B" && ctest --output-on-failure)
