#!/usr/bin/env bash
# The Catch2 suite under ASan+UBSan (issue 10), in build-asan/ (g++; HETSPEC_SANITIZE=ON), halting on
# the first report. Not part of CI (its time budget); run it by hand after touching parsers or kernels.
#   bash scripts/asan.sh ["catch2 test spec"]     default: every fast test ("~[slow]")
set -euo pipefail
cd "$(dirname "$0")/.."
B=build-asan
LAUNCHER=()
command -v ccache >/dev/null && LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHETSPEC_SANITIZE=ON "${LAUNCHER[@]}" >/dev/null
flock /tmp/hetspec-build.lock cmake --build "$B" -j2 --target hetspec hetspec_tests
ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  "$B/hetspec_tests" "${1:-~[slow]}" --order rand
