#!/usr/bin/env bash
# Issue-7 measurement: SmolLM2-135M-Instruct with self:K drafts (K in 4 8 15) and gamma in 1 2 4 8 on
# the CPU, and on PoCL placements, greedy with real acceptance, on the en->de translation prompts.
# Writes runs under ${OUT:-out/run-table}/smollm2 and prints the markdown table.
# Usage: scripts/run/smollm2-table.sh [prompts-per-run (default 8)] [pocl prompts (default 3)]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-8}; NCL=${2:-3}
OUT=${OUT:-out/run-table}/smollm2
M=$(bash scripts/fetch-models.sh)
P=configs/prompts/translation-en-de.jsonl
mkdir -p "$OUT/plans"
plan() {  # name gamma mode target-pu draft-pu
  printf 'schema: hetspec.plan/1\ngamma: %s\nmode: %s\ntarget: {pu: "%s"}\ndraft: {pu: "%s"}\nthreads: {cpu: 2}\n' "$2" "$3" "$4" "$5" > "$OUT/plans/$1.yaml"
}
for K in 4 8 15; do
  for g in 1 2 4 8; do
    plan cpu-g$g $g sequential cpu cpu
    ./build/hetspec run --plan "$OUT/plans/cpu-g$g.yaml" --target "$M" --draft self:$K --prompts $P --limit "$N" \
      --max-new 32 -q --out "$OUT/cpu-self$K-g$g" > /dev/null
  done
done
for g in 1 2 4; do
  plan cl-g$g $g sequential cl:0 cl:0
  ./build/hetspec run --plan "$OUT/plans/cl-g$g.yaml" --target "$M" --draft self:8 --prompts $P --limit "$NCL" \
    --max-new 24 -q --out "$OUT/pocl-self8-g$g" > /dev/null
  plan ov-g$g $g overlapped cpu cl:0
  ./build/hetspec run --plan "$OUT/plans/ov-g$g.yaml" --target "$M" --draft self:8 --prompts $P --limit "$NCL" \
    --max-new 24 -q --out "$OUT/ovl-draftpocl-self8-g$g" > /dev/null
done
python3 scripts/run/table.py "$OUT"
