#!/usr/bin/env bash
# Issue 12 on the H200 machine: decode (bench-forward --tg 128) with the NVIDIA default GEMV tile
# (A) against a tuning file (B, default gemv_lx 128, gemv_rows 1, gemv_groups 1: the best layer sum of
# h200-gemv-grid.sh), alternated, on random-weight Llama-3.2-1B Q4_1 and SmolLM2-135M Q4_1.
# Expects .dev/hetspec and .dev/lib. Writes $OUT/gemv-ab.txt line by line.
set -u
OUT="${OUT:-out/h200-gemv-ab}"
. "$(dirname "$0")/env.sh"
T="$OUT/gemv-ab.txt"
GPU=$(nvidia_gpu) || exit 2
MD="$STATE/models"
make_random_models "$MD" llama-3.2-1b:q4_1 smollm2-135m:q4_1
tune "$STATE/b.yaml" "gemv_lx: ${LX:-128}" "gemv_rows: ${ROWS:-1}" "gemv_groups: ${GROUPS_:-1}"
stamp "$($B --version); A = default tile, B = $(tr '\n' ' ' < "$STATE/b.yaml")" | tee "$T"
for rep in 1 2 3; do
  for mf in random-llama-3.2-1b-q4_1 random-smollm2-135m-q4_1; do
    for v in A B; do
      tf=""; [ "$v" = B ] && tf="$STATE/b.yaml"
      printf '%s rep %s %-26s ' "$v" "$rep" "$mf" | tee -a "$T"
      HETSPEC_CL_TUNING="$tf" $B bench-forward -m "$MD/$mf.gguf" --device "$GPU" --m 1,4 --reps 10 --tg 128 2>&1 |
        awk '/^ +[0-9]+ / {printf "m=%s %s ms; ", $1, $2} /^tg/ {printf "%s tok/s", $(NF-1)} END {print ""}' | tee -a "$T"
    done
  done
done
stamp done | tee -a "$T"
