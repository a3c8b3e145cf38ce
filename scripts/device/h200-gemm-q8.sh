#!/usr/bin/env bash
# Issue 12 on the H200 machine: the integer-dot GEMM (tuning gemm_q8: gemv_q8.cl's quantize_x rounds x's
# m rows to int8 once, then its gemm reads each weight block once and dots it with a tile of gemm_tm
# tokens by dp4a) against the float GEMM, in one call:
#   1. the OpenCL parity tests on the H200 (the gemm_q8 cases, and the fused test's NVIDIA cases with
#      the integer-dot GEMM's warp shuffles and the integer-dot GEMV's cross-warp sums);
#   2. the verify curve (bench-forward m = 1..16, all logit rows, depth 0) of random-weight Llama-3.2-1B
#      Q4_1 / Q4_0 and Llama-3.2-3B Q4_0 under D (NVIDIA's defaults: the float GEMM from m = 3), Q
#      (gemm_q8), Q8 (gemm_q8 with tiles of 8 tokens) and Q2 (gemm_q8, and the GEMM from m = 2),
#      the order rotated each round, three rounds.
# `h200-gemm-q8.sh final`: the parity tests under the NVIDIA defaults that followed (gemm_q8 on, GEMVs
# up to m * d_model = 4032), then the verify curve and decode (--tg 128) of Llama-1B Q4_1 / Q4_0, 3B Q4_0
# and SmolLM2-135M Q4_1, those defaults (N) against the ones before (O), alternated, three rounds.
# Expects .dev/hetspec, .dev/hetspec_tests and .dev/lib (scripts/device/pack.sh). Writes $OUT/gemm-q8.txt
# line by line (a timeout keeps what was measured) and $OUT/tests.log.
set -u
OUT="${OUT:-out/h200-gemm-q8}"
. "$(dirname "$0")/env.sh"
T="$OUT/gemm-q8.txt"
GPU=$(nvidia_gpu) || exit 2
MD="$STATE/models"
if [ "${1:-}" = final ]; then
  T="$OUT/gemm-q8-final.txt"
  stamp "$($B --version); N = defaults (gemm_q8, gemv_max_mk 4032, gemv_min_m 1), O = before" | tee "$T"
  cl_parity_tests "$GPU" "[opencl]~[smollm2]" "$OUT/tests-final.log" | tee -a "$T"
  tune "$STATE/N.yaml" "gemv_q8: false"
  tune "$STATE/O.yaml" "gemm_q8: false" "gemv_min_m: 2" "gemv_max_mk: 4608"
  make_random_models "$MD" llama-3.2-1b:q4_1 llama-3.2-1b:q4_0 llama-3.2-3b:q4_0 smollm2-135m:q4_1
  rounds "N O|O N|N O" "random-llama-3.2-1b-q4_1 random-llama-3.2-1b-q4_0 random-llama-3.2-3b-q4_0 random-smollm2-135m-q4_1" \
    --m 1,2,3,4,5,8,9,16 --reps 10 --tg 128
  exit 0
fi
{
  stamp "$($B --version); D = defaults, Q = gemm_q8, Q8 = gemm_q8 + gemm_tm 8, Q2 = gemm_q8 from m = 2"
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv,noheader 2>&1
} | tee "$T"
stamp "1. OpenCL parity tests" | tee -a "$T"
cl_parity_tests "$GPU" "[opencl]~[smollm2]" "$OUT/tests.log" | tee -a "$T"

tune "$STATE/D.yaml" "gemv_q8: false"
tune "$STATE/Q.yaml" "gemm_q8: true"
tune "$STATE/Q8.yaml" "gemm_q8: true" "gemm_tm: 8"
tune "$STATE/Q2.yaml" "gemm_q8: true" "gemv_min_m: 1" "gemv_max_mk: 2048"
stamp "2. verify curves, alternated" | tee -a "$T"
make_random_models "$MD" llama-3.2-1b:q4_1 llama-3.2-1b:q4_0 llama-3.2-3b:q4_0
rounds "D Q Q8 Q2|Q Q8 Q2 D|Q8 Q2 D Q" "random-llama-3.2-1b-q4_1 random-llama-3.2-1b-q4_0 random-llama-3.2-3b-q4_0" \
  --m 1,2,3,4,5,8,9,16 --reps 10
