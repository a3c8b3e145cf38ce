#!/usr/bin/env bash
# Per-forward latency model accuracy: the profile's predicted whole-forward time (cost model, from
# its tables) against forwards measured now through a Runner, for SmolLM2-135M (the real file) and a
# random-weight Llama-3.2-1B Q4_1, m in {1,2,4,8,16}, n in {64,512}, on every PU of the profile
# (cpu at each thread count it lists, and OpenCL devices). Prints the table, then median / max |error|.
#   scripts/check-forward-model.sh [profiles/dev-amd-epyc-2core.yaml]   (DEVICES=cpu to skip OpenCL)
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE="${1:-profiles/dev-amd-epyc-2core.yaml}"
CACHE="${HETSPEC_CACHE:-$HOME/.cache/hetspec}/models"
SMOL="${HETSPEC_MODEL:-$CACHE/SmolLM2-135M-Instruct.Q4_1.gguf}"
LLAMA="$CACHE/llama-3.2-1b-q4_1-seed1.gguf"
mkdir -p "$CACHE"
[ -f "$LLAMA" ] || ./build/hetspec make-model --spec configs/models/llama-3.2-1b.yaml --seed 1 --out "$LLAMA" --dtype q4_1
./build/hetspec profile --check "$PROFILE" --models "$SMOL,$LLAMA" ${DEVICES:+--devices "$DEVICES"}
