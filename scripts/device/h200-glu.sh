#!/usr/bin/env bash
# Issue 12 on the H200 machine, one call: SwiGLU as the gate/up GEMV's epilogue (tuning glu_epilogue)
# and the integer-dot GEMV for the LM head only (gemv_q8 + gemv_q8_min_rows), then the CPU's measured
# X8 kernel choice:
#   1. the OpenCL parity tests on the H200 under its defaults (the SwiGLU-epilogue test adds NVIDIA
#      warp-shuffle tiles);
#   2. bench-forward (m = 1, 2, 4, 8, --tg 128) of random-weight Llama-3.2-1B Q4_1 / Q4_0 and
#      SmolLM2-135M Q4_1: A = the epilogue off (SwiGLU folded into the down projection, as before),
#      B = the defaults (epilogue on), C = B + the head's GEMV in int8 (gemv_q8_min_rows 32768), the
#      order rotated each round, three rounds;
#   3. the Xeon's one-token X8 kernel, AVX2 vs AVX-512 forced and the measured choice (1 and 16
#      threads, Llama-1B Q4_1 decode).
# Expects .dev/hetspec, .dev/hetspec_tests and .dev/lib (scripts/device/pack.sh). Writes $OUT/glu.txt
# line by line (a timeout keeps what was measured) and $OUT/tests.log.
set -u
OUT="${OUT:-out/h200-glu}"
. "$(dirname "$0")/env.sh"
T="$OUT/glu.txt"
GPU=$(nvidia_gpu) || exit 2
MD="$STATE/models"
stamp "$($B --version); GPU $GPU; A = glu_epilogue off, B = defaults, C = B + gemv_q8 for >= 32768 rows" | tee "$T"
make_random_models "$MD" llama-3.2-1b:q4_1 llama-3.2-1b:q4_0 smollm2-135m:q4_1
cl_parity_tests "$GPU" "[opencl]~[smollm2]" "$OUT/tests.log" | tee -a "$T"
tune "$STATE/A.yaml" "glu_epilogue: false"
tune "$STATE/B.yaml" "glu_epilogue: true"
tune "$STATE/C.yaml" "gemv_q8: true" "gemv_q8_min_rows: 32768"
rounds "A B C|C A B|B C A" "random-llama-3.2-1b-q4_1 random-llama-3.2-1b-q4_0 random-smollm2-135m-q4_1" \
  --m 1,2,4,8 --reps 20 --tg 128
for th in 1 16; do
  for v in avx2 avx512 measured; do
    printf 'cpu %s threads %s: ' "$v" "$th" | tee -a "$T"
    if [ "$v" = measured ]; then unset HETSPEC_CPU_X8_PATH; else export HETSPEC_CPU_X8_PATH=$v; fi
    timeout 60 $B bench-forward -m "$MD/random-llama-3.2-1b-q4_1.gguf" --device cpu -t $th --m 1 --reps 5 --tg 32 2>&1 |
      awk '/^# model/ {sub(/.*; cpu path /, ""); printf "[%s] ", $0} /^ +1 / {printf "m=1 %s ms; ", $2}
           /^tg/ {printf "%s tok/s", $(NF-1)} END {print ""}' | tee -a "$T"
  done
done
unset HETSPEC_CPU_X8_PATH
stamp "end" | tee -a "$T"
