#!/usr/bin/env bash
# Issue 12 on the H200 machine: the verify curve T(m)/T(1), m = 1..17, of hetspec's forward on the
# H200 (NVIDIA OpenCL) and on the 16-core CPU, for the random-weight models the bench-vs-llamacpp
# build stage makes in $STATE/models (run that stage first, in the same call: the machine does not
# stay warm between calls). Writes $OUT/verify-curves.txt.
set -u
OUT="${OUT:-out/h200-verify-curves}"
. "$(dirname "$0")/env.sh"  # NVIDIA OpenCL, library path, $B, stamp
GPU=$($B devices | awk '/^cl:[0-9]+/ && /NVIDIA|H200/ {print $1; exit}')
{
  for mf in random-smollm2-135m-q4_1 random-llama-3.2-1b-q4_1 random-llama-3.2-1b-q4_0; do
    f="$STATE/models/$mf.gguf"
    [ -s "$f" ] || { echo "no $f"; continue; }
    stamp "$mf on $GPU (all logit rows: a verify pass; depth 64)"
    $B bench-forward -m "$f" --device "$GPU" --m 1-17 --reps 20 --warmup 20 2>&1 | tail -18
    stamp "$mf on the CPU, 16 threads"
    $B bench-forward -m "$f" --device cpu --threads 16 --m 1,2,4,8,16,17 --reps 10 --warmup 3 2>&1 | tail -7
  done
} 2>&1 | tee "$OUT/verify-curves.txt"
