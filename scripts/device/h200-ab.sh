#!/usr/bin/env bash
# A/B of two hetspec builds on the H200 (NVIDIA OpenCL), run by run alternately: bench-forward's
# verify points (m = 1, 2, 4, 8, 16; all logit rows, depth 64) and a 128-token decode run (--tg) on a
# random-weight SmolLM2-135M and Llama-3.2-1B Q4_1 made there. Expects .dev/hetspec (B, the change)
# and .dev/hetspec-base (A) plus .dev/lib. Writes $OUT/ab.txt. ~2 minutes.
set -u
OUT="${OUT:-out/h200-ab}"
. "$(dirname "$0")/env.sh"  # NVIDIA OpenCL, library path, $B (= .dev/hetspec), stamp
A="$STATE/hetspec-base"
cp .dev/hetspec-base "$A"
MD="$STATE/models"
mkdir -p "$MD"
GPU=$($B devices | awk '/^cl:[0-9]+/ && /NVIDIA|H200/ {print $1; exit}')
{
  stamp "A: $($A --version); B: $($B --version); GPU $GPU"
  for sd in smollm2-135m:q4_1 llama-3.2-1b:q4_1; do
    f="$MD/random-${sd%:*}-${sd#*:}.gguf"
    [ -s "$f" ] || $B make-model --spec "configs/models/${sd%:*}.yaml" --seed 1 --dtype "${sd#*:}" --out "$f" >/dev/null
  done
  for rep in 1 2 3; do
    for mf in random-smollm2-135m-q4_1 random-llama-3.2-1b-q4_1; do
      for bin in A B; do
        exe=$A
        [ "$bin" = B ] && exe=$B
        printf '%s rep %s %-28s ' "$bin" "$rep" "$mf"
        $exe bench-forward -m "$MD/$mf.gguf" --device "$GPU" --m 1,2,4,8,16 --reps 20 --tg 128 2>&1 |
          awk '/^ +[0-9]+ / {printf "m=%s %s ms; ", $1, $2} /^tg/ {printf "%s tok/s", $(NF-1)} END {print ""}'
      done
    done
  done
} 2>&1 | tee "$OUT/ab.txt"
