#!/usr/bin/env bash
# Issue 12 on the H200 machine: hetspec's verify curve T(m)/T(1) (m = 1..17, Llama-1B Q4_1 and
# SmolLM2 Q4_1, random weights from the bench-vs-llamacpp build stage) under a few GEMM tile shapes
# (tokens per work-group gemm_tm, rows per work-item group gemm_rpt, lanes gemm_lx): the weights are
# read once per token tile, so a wider tile flattens the curve until registers run out.
# Writes $OUT/gemm-sweep.txt. Run after the build stage in the same call.
set -u
OUT="${OUT:-out/h200-gemm-sweep}"
. "$(dirname "$0")/env.sh"  # NVIDIA OpenCL, library path, $B, stamp
GPU=$($B devices | awk '/^cl:[0-9]+/ && /NVIDIA|H200/ {print $1; exit}')
{
  for shape in "64 4 2" "64 8 1" "64 8 2" "32 8 2" "64 16 1" "32 16 1"; do
    set -- $shape
    printf 'devices:\n  - match: "*"\n    gemm_lx: %s\n    gemm_tm: %s\n    gemm_rpt: %s\n' "$1" "$2" "$3" > "$STATE/gemm.yaml"
    for mf in random-llama-3.2-1b-q4_1 random-smollm2-135m-q4_1; do
      stamp "gemm_lx $1 gemm_tm $2 gemm_rpt $3: $mf"
      $B bench-forward -m "$STATE/models/$mf.gguf" --device "$GPU" --m 1,2,3,4,5,8,9,16,17 --reps 10 \
        --cl-tuning "$STATE/gemm.yaml" 2>&1 | tail -9 | awk '{printf "  m=%s %s ms %s; ", $1, $2, $5} END {print ""}'
    done
  done
} 2>&1 | tee "$OUT/gemm-sweep.txt"
