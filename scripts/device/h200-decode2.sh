#!/usr/bin/env bash
# Issue 12 on the H200 machine, one call (~6 minutes), after h200-decode.sh: attn_decode with its P.V
# loads batched and warp-shuffle reductions, its work-group (128 / 256), and greedy decoding's argmax
# on the device (device_argmax; bench-forward's tg feeds back Runner::forward_argmax):
#   1. the OpenCL parity tests of what changed, on the H200 under its defaults;
#   2. bench-forward (m = 1, 8, --tg 128 from depth 64) of random-weight Llama-3.2-1B Q4_1 / Q4_0 and
#      SmolLM2-135M Q4_1: A = the morning's path (attn_decode, pinned_logits, device_argmax off),
#      B = the defaults (attn_decode_wg 128), C = B with attn_decode_wg 256, D = B with device_argmax
#      off, the order rotated each round, three rounds; then A, B, C at depth 1024 (m = 1);
#   3. the kernel timeline (--kernel-times 64) of B and C, Llama-1B Q4_1 and SmolLM2.
# Expects .dev/hetspec, .dev/hetspec_tests and .dev/lib (scripts/device/pack.sh). Writes $OUT/decode2.txt
# line by line (a timeout keeps what was measured) and $OUT/tests.log.
set -u
OUT="${OUT:-out/h200-decode2}"
. "$(dirname "$0")/env.sh"
T="$OUT/decode2.txt"
GPU=$(nvidia_gpu) || exit 2
MD="$STATE/models"
stamp "$($B --version); GPU $GPU; A = morning, B = defaults, C = B + attn_decode_wg 256, D = B - device_argmax" | tee "$T"
make_random_models "$MD" llama-3.2-1b:q4_1 llama-3.2-1b:q4_0 smollm2-135m:q4_1
cl_parity_tests "$GPU" "*one-token attention*,*argmax*,*whole-model forward*,*op-by-op*,*kernel-times*,*Split forwards*" \
  "$OUT/tests.log" | tee -a "$T"
tune "$STATE/A.yaml" "attn_decode: false" "pinned_logits: false" "device_argmax: false"
tune "$STATE/B.yaml" "attn_decode: true"
tune "$STATE/C.yaml" "attn_decode_wg: 256"
tune "$STATE/D.yaml" "device_argmax: false"
MODELS="random-llama-3.2-1b-q4_1 random-llama-3.2-1b-q4_0 random-smollm2-135m-q4_1"
rounds "A B C D|D C B A|B D A C" "$MODELS" --m 1,8 --reps 20 --tg 128
stamp "depth 1024" | tee -a "$T"
rounds "A B C|C B A" "random-llama-3.2-1b-q4_1 random-smollm2-135m-q4_1" --m 1 --reps 20 --depth 1024
for v in B C; do
  for mf in random-llama-3.2-1b-q4_1 random-smollm2-135m-q4_1; do
    stamp "$v, $mf" | tee -a "$T"
    HETSPEC_CL_TUNING="$STATE/$v.yaml" timeout 120 $B bench-forward -m "$MD/$mf.gguf" --device "$GPU" --m 1 --reps 20 \
      --tg 128 --kernel-times 64 2>&1 | tee -a "$T"
  done
done
stamp "end" | tee -a "$T"
