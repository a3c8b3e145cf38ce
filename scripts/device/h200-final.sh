#!/usr/bin/env bash
# Issue 12 on the H200 machine, one call (~9 minutes): the session's defaults against llama.cpp CUDA.
# Builds llama-bench with CUDA (scripts/device/h200-bench-vs-llamacpp.sh build) while the OpenCL parity
# tests of what changed run beside it at low priority (the fused matmuls with the SwiGLU epilogue, the
# tile overrides, attention, the whole-model forwards; under the H200's own defaults), then the GPU
# comparison (stage gpu; REPS 2, the random-weight models). Expects .dev/hetspec, .dev/hetspec_tests,
# .dev/lib and .dev/llamacpp-src.tar.gz (scripts/device/pack.sh, scripts/device/pack-llamacpp.sh).
set -u
OUT="${OUT:-out/h200-final}"
. "$(dirname "$0")/env.sh"
GPU=$(nvidia_gpu) || exit 2
( nice -n 19 bash -c ". scripts/device/env.sh; cl_parity_tests $GPU \
    '*SwiGLU epilogue*,*fused matmul*,*other tunings*,*attention*,*argmax*,*whole-model forward*,*op-by-op*,*Split forwards*,*gemv_q8_min_rows*,*kernel-times*' \
    $OUT/tests.log" > "$OUT/tests-summary.txt" 2>&1 ) &
bash scripts/device/h200-bench-vs-llamacpp.sh build > "$OUT/build-stage.txt" 2>&1
wait
cat "$OUT/tests-summary.txt"
tail -3 "$OUT/build-stage.txt"
REPS="${REPS:-2}" bash scripts/device/h200-bench-vs-llamacpp.sh gpu 2>&1 | tail -5
