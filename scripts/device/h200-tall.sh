#!/usr/bin/env bash
# Issue 12 on the H200 machine, one call: the tall-matrix GEMV tile (gemv_tall_*: gate/up with its
# SwiGLU epilogue, 16384 x 2048 on Llama-1B, and the LM head) over the NVIDIA defaults (D, with the
# wide down-projection tile): T1 = lx 64 / rows 4 / groups 2, T2 = 32 / 4 / 4, T3 = 128 / 4 / 1,
# T4 = 64 / 8 / 1, all for N >= 8192. bench-forward m = 1, 4 and --tg 128 on random-weight Llama-3.2-1B
# Q4_1 / Q4_0 and SmolLM2-135M Q4_1, order rotated, three rounds; then --kernel-times 32 (1B Q4_1) for
# each. Expects .dev/hetspec and .dev/lib. Writes $OUT/tall.txt.
set -u
OUT="${OUT:-out/h200-tall}"
. "$(dirname "$0")/env.sh"
T="$OUT/tall.txt"
GPU=$(nvidia_gpu) || exit 2
MD="$STATE/models"
stamp "$($B --version); GPU $GPU" | tee "$T"
make_random_models "$MD" llama-3.2-1b:q4_1 llama-3.2-1b:q4_0 smollm2-135m:q4_1
tune "$STATE/D.yaml" "glu_epilogue: true"
tune "$STATE/T1.yaml" "gemv_tall_n: 8192" "gemv_tall_lx: 64" "gemv_tall_rows: 4" "gemv_tall_groups: 2"
tune "$STATE/T2.yaml" "gemv_tall_n: 8192" "gemv_tall_lx: 32" "gemv_tall_rows: 4" "gemv_tall_groups: 4"
tune "$STATE/T3.yaml" "gemv_tall_n: 8192" "gemv_tall_lx: 128" "gemv_tall_rows: 4" "gemv_tall_groups: 1"
tune "$STATE/T4.yaml" "gemv_tall_n: 8192" "gemv_tall_lx: 64" "gemv_tall_rows: 8" "gemv_tall_groups: 1"
rounds "D T1 T2 T3 T4|T4 T3 T2 T1 D|T2 D T4 T1 T3" \
  "random-llama-3.2-1b-q4_1 random-llama-3.2-1b-q4_0 random-smollm2-135m-q4_1" --m 1,4 --reps 20 --tg 128
for v in D T1 T2 T3 T4; do
  stamp "kernel times, $v" | tee -a "$T"
  HETSPEC_CL_TUNING="$STATE/$v.yaml" timeout 60 $B bench-forward -m "$MD/random-llama-3.2-1b-q4_1.gguf" --device "$GPU" \
    --m 1 --reps 5 --kernel-times 32 2>&1 | tee -a "$T"
done
stamp "end" | tee -a "$T"
