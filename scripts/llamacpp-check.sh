#!/usr/bin/env bash
# Issue 11 check on this machine: hetspec's prediction of llama.cpp's speculative decoding against
# llama.cpp's own measurement, as one `hetspec validate --engine llama.cpp`. SmolLM2-135M-Instruct
# target, the shipped draft as a standalone GGUF (`hetspec make-draft`), CPU, THREADS (default 1,2),
# γ (--spec-draft-n-max) in GAMMAS (default 0,1,2,4,8; 0 = plain decoding):
#   1. llama.cpp's tools from the pinned sdist (scripts/llamacpp.sh), a quick hetspec profile of this
#      machine (the base: host costs, bandwidth), and a llama.cpp profile through llama-bench;
#   2. hetspec validate --engine llama.cpp: acceptance measured on the first CALIB prompts by llama.cpp's
#      own loop at every γ (ACCEPT_FROM=hetspec: by hetspec's executor, greedy, same files, chat
#      template, per position at the largest γ); every plan predicted with the llama.cpp
#      profile, exported as llama.cpp flags and run with llama-speculative on the next HELD prompts,
#      plain decoding (llama-completion) interleaved before each; the report (index.md, report.html,
#      validation.json) in OUT/report.
# Usage: scripts/llamacpp-check.sh [OUT (default out/llamacpp-check)]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-out/llamacpp-check}
THREADS=${THREADS:-1,2}; GAMMAS=${GAMMAS:-0,1,2,4,8}; CALIB=${CALIB:-4}; HELD=${HELD:-8}; G=${G:-48}
ACCEPT_FROM=${ACCEPT_FROM:-hetspec}
H=./build/hetspec
mkdir -p "$OUT"
BIN=$(bash scripts/llamacpp.sh)
M=$(bash scripts/fetch-models.sh)
D="$OUT/draft-standalone.gguf"
[ -s "$D" ] || $H make-draft --target "$M" --draft models/smollm2-135m-draft.gguf --out "$D" >/dev/null
[ -s "$OUT/base.yaml" ] || $H profile --quick --models "$M,$D" --devices cpu --out "$OUT/base.yaml" 2>/dev/null | tail -1
[ -s "$OUT/llamacpp.yaml" ] || $H profile --engine llama.cpp --llama-bench "$BIN/llama-bench" --base "$OUT/base.yaml" \
  --models "$M,$D" --threads "$THREADS" --out "$OUT/llamacpp.yaml"
echo "host: $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}'), $(nproc) cores" >&2
$H validate --engine llama.cpp --llama-bin "$BIN" --profile "$OUT/llamacpp.yaml" --target "$M" --draft "$D" \
  --prompts configs/prompts/translation-en-de.jsonl --gammas "$GAMMAS" --calibration "$CALIB" --held-out "$HELD" \
  --max-new "$G" --acceptance-from "$ACCEPT_FROM" --out "$OUT/report"
