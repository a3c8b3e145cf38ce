#!/usr/bin/env bash
# Issue 12 on the H200 machine, one short call (~3 minutes), after h200-decode2.sh: attn_decode in 512
# and 1024 work-items a head (P.V over 32 / 64 position slices) and the GEMVs' warp-shuffle row sums
# again, against the defaults:
#   bench-forward (m = 1, --tg 128 from depth 64 and m = 1 at depth 1024) of random-weight Llama-3.2-1B
#   Q4_1 and SmolLM2-135M Q4_1: B = defaults (attn_decode_wg 256), W5 / W10 = attn_decode_wg 512 / 1024,
#   S = warp_shuffle on, two rotated rounds; then the kernel timeline of B and W10 (1B).
# Expects .dev/hetspec and .dev/lib (scripts/device/pack.sh). Writes $OUT/decode3.txt.
set -u
OUT="${OUT:-out/h200-decode3}"
. "$(dirname "$0")/env.sh"
T="$OUT/decode3.txt"
GPU=$(nvidia_gpu) || exit 2
MD="$STATE/models"
stamp "$($B --version); GPU $GPU; B = defaults, W5 / W10 = attn_decode_wg 512 / 1024, S = warp_shuffle" | tee "$T"
make_random_models "$MD" llama-3.2-1b:q4_1 smollm2-135m:q4_1
tune "$STATE/B.yaml" "attn_decode: true"
tune "$STATE/W5.yaml" "attn_decode_wg: 512"
tune "$STATE/W10.yaml" "attn_decode_wg: 1024"
tune "$STATE/S.yaml" "warp_shuffle: true"
MODELS="random-llama-3.2-1b-q4_1 random-smollm2-135m-q4_1"
rounds "B W5 W10 S|S W10 W5 B" "$MODELS" --m 1 --reps 20 --tg 128
rounds "B W5 W10|W10 W5 B" "$MODELS" --m 1 --reps 20 --depth 1024
for v in B W10; do
  stamp "$v, random-llama-3.2-1b-q4_1" | tee -a "$T"
  HETSPEC_CL_TUNING="$STATE/$v.yaml" timeout 60 $B bench-forward -m "$MD/random-llama-3.2-1b-q4_1.gguf" --device "$GPU" \
    --m 1 --reps 5 --kernel-times 64 2>&1 | grep -E "launches|attn_decode|argmax" | tee -a "$T"
done
stamp "end" | tee -a "$T"
