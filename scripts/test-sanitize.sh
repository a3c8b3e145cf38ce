#!/usr/bin/env bash
# CI's sanitizer stage (issue 10): the library, the CLI and the Catch2 tests of the code that reads
# input, built with ASan+UBSan and run halting on the first report (leaks included). It took the place
# of the kernels-only ASan build (the CPU kernel tests alone): tests/engine/cpu is one of its folders.
#   bash scripts/test-sanitize.sh          build in build-sanitize/ (HETSPEC_SANITIZE_BUILD_DIR), then run
#
# Which tests (HETSPEC_TEST_DIRS below), and why:
#   core, model, profile, plan, cost, report   the parsers and loaders (YAML, JSON, GGUF, tokenizers,
#                                              prompts), their bad-input cases, and the writers
#   cli                                        every command's bad-input contract (the bad-input matrix),
#                                              run through the sanitized `hetspec` binary (HETSPEC_BINARY)
#   engine, engine/cpu, engine/runner          the CPU kernels (every path this CPU has), the forward, KV
#                                              cache, samplers, runners and `generate` on SmolLM2
# Left out: [slow] cases; [opencl] cases (no OpenCL platform is visible: see OCL_ICD_VENDORS); [long]
# cases (the three `profile` runs that time kernels for ~10 s each under ASan: the measurement, not its
# input; `profile`'s bad-input cases stay); tests/engine/test_forward_smollm2.cpp (the real model's 30
# layers against reference logits: ~4 min under ASan; its kernels and layers are covered by engine/ and
# engine/cpu); tests/spec and tests/engine/opencl (the executors over two runners, OpenCL: minutes of
# model runs, not input handling). The whole suite under ASan+UBSan: scripts/asan.sh, by hand.
#
# Build: clang at -O0 -g1 (line numbers in reports), Catch2's main (tests/test_main.cpp) plain.
# Measured on an AMD EPYC, 2 cores (docs/runs/asan-amd-epyc-2core.md): 3 min of build from a clean
# directory, 1.5 min of tests. g++ does twice clang's work at -O0, and clang -O1 2.4x -O0's; the tests
# run 2.2-2.8x faster at -O1, but they are the smaller part (-O1 in all: ~8 min).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${HETSPEC_SANITIZE_BUILD_DIR:-build-sanitize}
DIRS="core;model;profile;plan;cost;report;cli;engine;engine/cpu;engine/runner"
cmake -S . -B "$B" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" \
  -DHETSPEC_SANITIZE=ON -DHETSPEC_MICROBENCH=OFF -DHETSPEC_TEST_DIRS="$DIRS" >/dev/null
cmake --build "$B" -j "$(nproc)" --target hetspec hetspec_tests

export HETSPEC_MODEL="${HETSPEC_MODEL:-$(bash scripts/fetch-models.sh)}"
# No OpenCL platform (an empty ICD directory), as on a host without OpenCL devices: PoCL is not ours, its
# LLVM JIT costs minutes under ASan, and it leaks whenever it compiles a kernel (libpocl 3.1: a pass
# manager from its pthread device's compile thread; e.g. in `hetspec run`'s all-PU baseline, whenever
# PoCL's kernel cache is cold), so the stage's result would hang on the state of that cache.
mkdir -p "$B/no-opencl-icd"
OCL_ICD_VENDORS=$(cd "$B/no-opencl-icd" && pwd)
export OCL_ICD_VENDORS
# Every process halts on its first report: the test binary and each `hetspec` it spawns (whose stderr the
# tests capture), so reports go to files in $LOGS, and any file there fails the stage. abort_on_error: the
# test binary then dies of SIGABRT, which Catch2 reports under the test case's name.
LOGS=$B/sanitizer-logs
rm -rf "$LOGS" && mkdir -p "$LOGS" && LOGS=$(cd "$LOGS" && pwd)
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:log_path=$LOGS/report"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$LOGS/report"
rc=0
"$B/hetspec_tests" --filenames-as-tags "~[slow]~[opencl]~[long]~[#test_forward_smollm2]" || rc=$?
if [ -n "$(ls -A "$LOGS")" ]; then
  for f in "$LOGS"/*; do echo "test-sanitize: $f" >&2; cat "$f" >&2; done
  echo "test-sanitize: sanitizer reports above ($(ls "$LOGS" | wc -l) processes)" >&2
  exit 1
fi
exit "$rc"
