#!/usr/bin/env bash
# Issue-7 measurement: the seed paper's pair shape in timing mode on this machine: random-weight
# Llama-3.2-3B target + Llama-3.2-1B draft (Q4_0, made with `hetspec make-model` into the cache),
# both on the CPU, acceptance drawn at alpha in 0.5 0.7 0.9, gamma in 1 2 4 8; speedup vs gamma.
# Usage: scripts/run/llama-timing-table.sh [prompts per run (default 4)] [new tokens (default 24)]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-4}; NEW=${2:-24}
OUT=${OUT:-out/run-table}/llama-timing
CACHE="${HETSPEC_CACHE:-$HOME/.cache/hetspec}/models"
mkdir -p "$CACHE" "$OUT/plans"
for m in llama-3.2-3b llama-3.2-1b; do
  [ -s "$CACHE/random-$m-q4_0.gguf" ] || ./build/hetspec make-model --spec configs/models/$m.yaml --seed 1 \
    --dtype q4_0 --out "$CACHE/random-$m-q4_0.gguf"
done
T="$CACHE/random-llama-3.2-3b-q4_0.gguf"; D="$CACHE/random-llama-3.2-1b-q4_0.gguf"
for a in 0.5 0.7 0.9; do
  for g in 1 2 4 8; do
    printf 'schema: hetspec.plan/1\ngamma: %s\nmode: sequential\ntarget: {pu: cpu}\ndraft: {pu: cpu}\nthreads: {cpu: 2}\n' $g > "$OUT/plans/g$g.yaml"
    ./build/hetspec run --plan "$OUT/plans/g$g.yaml" --target "$T" --draft "$D" --prompts configs/prompts/translation-en-de.jsonl \
      --limit "$N" --max-new "$NEW" --accept-rate $a --no-chat -q --out "$OUT/a$a-g$g" > /dev/null
  done
done
python3 scripts/run/table.py "$OUT"
