#!/usr/bin/env bash
# The OpenCL forward's growth with context depth on the H200: one-token forwards of random-weight
# Llama-3.2-3B (Q4_0), Llama-3.2-1B (Q4_1) and SmolLM2-135M (Q4_1) at depths 64, 512 and 2048, with
# attention's P.V over one chain of positions (attn_split 1, the default) or split over 4 / 8 groups
# (the H200's 3B forward grew 3.7 -> 9.6 ms from depth 64 to 512 in the 2026-12-01 profile: ~0.47 us
# per position and layer). Tunings alternate run by run. Writes $OUT/attn-split.txt. ~4 min.
# Expects .dev/{hetspec,lib}.
set -u
OUT="${OUT:-out/h200-attn-split}"
. "$(dirname "$0")/env.sh"
MD="$STATE/models"
mkdir -p "$MD"
GPU=$($B devices | awk '/^cl:[0-9]+/ && /NVIDIA|H200/ {print $1; exit}')
for n in 1 4 8; do printf 'devices:\n  - match: "*"\n    attn_split: %s\n' "$n" > "$STATE/split$n.yaml"; done
{
  stamp "$($B --version); GPU $GPU"
  for sd in llama-3.2-3b:q4_0 llama-3.2-1b:q4_1 smollm2-135m:q4_1; do
    f="$MD/random-${sd%:*}-${sd#*:}.gguf"
    [ -s "$f" ] || $B make-model --spec "configs/models/${sd%:*}.yaml" --seed 1 --dtype "${sd#*:}" --out "$f" >/dev/null
  done
  stamp "models made"
  for mf in random-llama-3.2-3b-q4_0 random-llama-3.2-1b-q4_1 random-smollm2-135m-q4_1; do
    for rep in 1 2; do
      for n in 1 4 8; do
        printf 'attn_split=%s rep %s %-26s ' "$n" "$rep" "$mf"
        for d in 64 512 2048; do
          $B bench-forward -m "$MD/$mf.gguf" --device "$GPU" --m 1,4 --depth "$d" --reps 10 --warmup 3 \
            --cl-tuning "$STATE/split$n.yaml" 2>&1 | awk -v d="$d" '/^ +[0-9]+ / {printf "d%s m%s %s  ", d, $1, $2}'
        done
        echo
      done
    done
  done
  stamp done
} 2>&1 | tee "$OUT/attn-split.txt"
