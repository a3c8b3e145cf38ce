#!/usr/bin/env bash
# Issue 8 (b) on this machine: the seed paper's pair shape in timing mode, random-weight
# Llama-3.2-3B target + Llama-3.2-1B draft (Q4_0, made into the cache), at the acceptance the shipped
# draft measured in (a) (ALPHA, per position). On two cores the 3B target decodes at ~3 tokens/s and
# several times slower on PoCL, so the full 51-plan grid would take hours: this runs the seed paper's
# placements, target on the CPU with the draft on the CPU, on PoCL sequential and on PoCL overlapped,
# γ ∈ GAMMAS, plus plain decoding of the target on the CPU, on PoCL and split across both, as plan
# files through `validate --plans`, then calibrates on half and reports. GRID=1 runs validate's own
# grid instead (cpu / PoCL / split targets, drafts on either PU, sequential and overlapped) over
# γ ∈ GAMMAS and 0: with GAMMAS="1 2 4", 27 plans (~25 min on this VM, the profile reused).
# Usage: ALPHA=a1,a2,... [GRID=1] scripts/run/vm-validate-b.sh [out dir (default reports/dev-amd-epyc-2core/b)]
# (ALPHA default: what the shipped draft accepted on this VM in reports/dev-amd-epyc-2core/a/run1, pooled)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-reports/dev-amd-epyc-2core/b}
ALPHA=${ALPHA:-0.438,0.605,0.514,0.623}
GAMMAS=${GAMMAS:-1 2 4}
CACHE="${HETSPEC_CACHE:-$HOME/.cache/hetspec}/models"
B=./build/hetspec
mkdir -p "$CACHE" "$OUT"
for m in llama-3.2-3b llama-3.2-1b; do
  [ -s "$CACHE/random-$m-q4_0.gguf" ] || $B make-model --spec configs/models/$m.yaml --seed 1 --dtype q4_0 \
    --out "$CACHE/random-$m-q4_0.gguf"
done
T="$CACHE/random-llama-3.2-3b-q4_0.gguf"; D="$CACHE/random-llama-3.2-1b-q4_0.gguf"
CL=$($B devices | awk '/^cl:[0-9]+/ {print $1; exit}')
P="$OUT/profile.yaml"
[ -s "$P" ] || $B profile --quick --models "$T,$D" --devices "cpu,$CL" --out "$P" 2>&1 | tail -2
PLANS=$(mktemp -d)
plan() {  # name gamma mode target draft
  printf 'schema: hetspec.plan/1\ngamma: %s\nmode: %s\ntarget: %s\n' "$2" "$3" "$4" > "$PLANS/$1.yaml"
  [ "$2" = 0 ] || printf 'draft: {pu: %s}\n' "$5" >> "$PLANS/$1.yaml"
  LIST="${LIST:+$LIST,}$PLANS/$1.yaml"
}
LIST=""
plan t-cpu 0 sequential "{pu: cpu}" ""
plan t-cl 0 sequential "{pu: $CL}" ""
plan t-split 0 sequential "{pu: cpu, split: {pu: $CL, at: 14}, head: $CL}" ""
for g in $GAMMAS; do
  plan d-cpu-g$g "$g" sequential "{pu: cpu}" cpu
  plan d-cl-g$g "$g" sequential "{pu: cpu}" "$CL"
  plan d-cl-ov-g$g "$g" overlapped "{pu: cpu}" "$CL"
done
start=$(date +%s)
if [ "${GRID:-0}" = 1 ]; then
  SEL=(--plans grid --pus "cpu,$CL" --gammas "0,$(echo $GAMMAS | tr ' ' ',')")
else
  SEL=(--plans "$LIST")
fi
$B validate --profile "$P" --target "$T" --draft "$D" --accept-rate "$ALPHA" --no-chat \
  --prompts configs/prompts/translation-en-de.jsonl "${SEL[@]}" --held-out 1 --max-new "${MAX_NEW:-12}" \
  --out "$OUT" 2>&1 | grep -v '^\[' | tail -4
echo "validate took $(( $(date +%s) - start )) s on $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}')"
$B calibrate --profile "$P" --traces "$OUT" --target "$T" --draft "$D" --out "$OUT/calibrated-profile.yaml" \
  --report "$OUT/calibrated" 2>&1 | sed -n '/held-out plans/,/regret/p'
rm -rf "$PLANS"
