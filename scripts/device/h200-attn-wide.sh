#!/usr/bin/env bash
# Issue 12 on the H200 machine, one call, after bench-forward --kernel-times showed a Llama-1B decode
# step's GPU time in the gate/up (+glu) and down GEMVs, attention (14.6 us a layer at depth 64) and the
# head (docs/runs/h200-timeline.md): A/B of
#   D  the defaults;
#   W  the down projection's GEMV (K >= 4096) in a wide tile: gemv_wide_lx 128, one row group per work-group;
#   X  attention in work-groups of 256 (four heads' width: P.V split 4 ways, one dim per work-item);
#   WX both;  WX2 both with gemv_wide_lx 256;
# bench-forward m = 1, 4 and --tg 128 (depth 64) on random-weight Llama-3.2-1B Q4_1 / Q4_0 and SmolLM2-135M
# Q4_1, the order rotated each round, three rounds; then m = 1 at depth 1024 (1B Q4_1) and one
# --kernel-times 32 run per variant (1B Q4_1). Expects .dev/hetspec and .dev/lib. Writes $OUT/attn-wide.txt.
set -u
OUT="${OUT:-out/h200-attn-wide}"
. "$(dirname "$0")/env.sh"
T="$OUT/attn-wide.txt"
GPU=$(nvidia_gpu) || exit 2
MD="$STATE/models"
stamp "$($B --version); GPU $GPU" | tee "$T"
make_random_models "$MD" llama-3.2-1b:q4_1 llama-3.2-1b:q4_0 smollm2-135m:q4_1
tune "$STATE/D.yaml" "glu_epilogue: true"
tune "$STATE/W.yaml" "gemv_wide_k: 4096" "gemv_wide_lx: 128" "gemv_wide_groups: 1"
tune "$STATE/X.yaml" "attn_wg: 256"
tune "$STATE/WX.yaml" "gemv_wide_k: 4096" "gemv_wide_lx: 128" "gemv_wide_groups: 1" "attn_wg: 256"
tune "$STATE/WX2.yaml" "gemv_wide_k: 4096" "gemv_wide_lx: 256" "gemv_wide_groups: 1" "attn_wg: 256"
rounds "D W X WX WX2|WX2 WX X W D|X D WX2 W WX" \
  "random-llama-3.2-1b-q4_1 random-llama-3.2-1b-q4_0 random-smollm2-135m-q4_1" --m 1,4 --reps 20 --tg 128
stamp "depth 1024, m = 1" | tee -a "$T"
rounds "D X WX|WX X D" "random-llama-3.2-1b-q4_1" --m 1 --reps 20 --depth 1024
for v in D WX WX2; do
  stamp "kernel times, $v" | tee -a "$T"
  HETSPEC_CL_TUNING="$STATE/$v.yaml" timeout 60 $B bench-forward -m "$MD/random-llama-3.2-1b-q4_1.gguf" --device "$GPU" \
    --m 1 --reps 5 --kernel-times 32 2>&1 | tee -a "$T"
done
stamp "end" | tee -a "$T"
