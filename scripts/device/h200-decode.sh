#!/usr/bin/env bash
# Issue 12 on the H200 machine, one call (~6 minutes): one token's RoPE + KV append + attention as one
# launch (tuning attn_decode) and the logits read into pinned memory (pinned_logits):
#   1. the OpenCL parity tests on the H200 under its defaults (attn_decode's own test among them);
#   2. bench-forward (m = 1, 8, --tg 128 from depth 64) of random-weight Llama-3.2-1B Q4_1 / Q4_0 and
#      SmolLM2-135M Q4_1: A = both off (the morning's path), B = attn_decode only, C = the defaults
#      (both on), the order rotated each round, three rounds; then A and C at depth 1024 (m = 1);
#   3. the defaults' kernel timeline (--kernel-times 64) of the 1B Q4_1 and SmolLM2.
# Expects .dev/hetspec, .dev/hetspec_tests and .dev/lib (scripts/device/pack.sh). Writes $OUT/decode.txt
# line by line (a timeout keeps what was measured) and $OUT/tests.log.
set -u
OUT="${OUT:-out/h200-decode}"
. "$(dirname "$0")/env.sh"
T="$OUT/decode.txt"
GPU=$(nvidia_gpu) || exit 2
MD="$STATE/models"
stamp "$($B --version); GPU $GPU; A = attn_decode + pinned_logits off, B = attn_decode on, C = defaults (both on)" | tee "$T"
make_random_models "$MD" llama-3.2-1b:q4_1 llama-3.2-1b:q4_0 smollm2-135m:q4_1
cl_parity_tests "$GPU" "[opencl]~[smollm2]" "$OUT/tests.log" | tee -a "$T"
tune "$STATE/A.yaml" "attn_decode: false" "pinned_logits: false"
tune "$STATE/B.yaml" "attn_decode: true" "pinned_logits: false"
tune "$STATE/C.yaml" "attn_decode: true"
MODELS="random-llama-3.2-1b-q4_1 random-llama-3.2-1b-q4_0 random-smollm2-135m-q4_1"
rounds "A B C|C A B|B C A" "$MODELS" --m 1,8 --reps 20 --tg 128
stamp "depth 1024" | tee -a "$T"
rounds "A C|C A" "random-llama-3.2-1b-q4_1 random-smollm2-135m-q4_1" --m 1 --reps 20 --depth 1024
for mf in random-llama-3.2-1b-q4_1 random-smollm2-135m-q4_1; do
  stamp "C, $mf" | tee -a "$T"
  HETSPEC_CL_TUNING="$STATE/C.yaml" timeout 120 $B bench-forward -m "$MD/$mf.gguf" --device "$GPU" --m 1 --reps 20 \
    --tg 128 --kernel-times 64 2>&1 | tee -a "$T"
done
stamp "end" | tee -a "$T"
