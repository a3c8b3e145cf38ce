#!/usr/bin/env bash
# The CPU kernels' parity tests (every path this CPU has, the X8 repack, the thread pool, the ops)
# built natively with ASan+UBSan, halting on the first report: the part of scripts/asan.sh that fits
# CI's time budget (~2 min on 2 cores; the whole suite under ASan is ~25 min, run by hand).
#   bash scripts/test-kernels-asan.sh
set -euo pipefail
cd "$(dirname "$0")/.."
B=build-kernels-asan
if [ ! -f "$B/build.ninja" ]; then
  cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHETSPEC_KERNELS_ONLY=ON -DHETSPEC_SANITIZE=ON >/dev/null
fi
cmake --build "$B" -j "$(nproc)"
export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
(cd "$B" && ctest --output-on-failure)
