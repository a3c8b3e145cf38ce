#!/usr/bin/env bash
# Issue 12 on the H200 machine, one short call (~2 minutes): a verify batch's attention through
# attn_decode.cl's online-softmax kernel (attn_rows, with attn_decode on) against layer.cl's:
#   1. the parity tests of attention_rows, attn_decode and the whole-model forwards on the H200;
#   2. bench-forward of random-weight Llama-3.2-1B Q4_1, m = 1, 4, 8 at depth 64 and m = 8 at depth
#      1024: A = attn_decode off (rope_kv + attention for every m), C = the defaults, two rotated rounds.
# Expects .dev/hetspec, .dev/hetspec_tests and .dev/lib (scripts/device/pack.sh). Writes $OUT/decode4.txt.
set -u
OUT="${OUT:-out/h200-decode4}"
. "$(dirname "$0")/env.sh"
T="$OUT/decode4.txt"
GPU=$(nvidia_gpu) || exit 2
MD="$STATE/models"
stamp "$($B --version); GPU $GPU; A = attn_decode off, C = defaults" | tee "$T"
make_random_models "$MD" llama-3.2-1b:q4_1
cl_parity_tests "$GPU" "*attention_rows*,*one-token attention*,*whole-model forward*" "$OUT/tests.log" | tee -a "$T"
tune "$STATE/A.yaml" "attn_decode: false"
tune "$STATE/C.yaml" "attn_decode: true"
rounds "A C|C A" "random-llama-3.2-1b-q4_1" --m 1,4,8 --reps 20
rounds "A C|C A" "random-llama-3.2-1b-q4_1" --m 8 --reps 20 --depth 1024
stamp "end" | tee -a "$T"
