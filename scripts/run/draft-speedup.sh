#!/usr/bin/env bash
# Issue 14's speedup on this machine: the shipped draft (models/smollm2-135m-draft.gguf) with the bundled
# target, greedy with real acceptance, on the CPU (gamma 1-4, 2 threads), with the draft on PoCL (cl:0)
# and with a cpu/PoCL split target (gamma 1), each against plain decoding measured beside it (the best
# single PU on the warm-up request; a feature-reading (eagle) draft: CPU plans only); then the draft's cost (gamma 2, 1 thread: draft phase per drafted
# token against plain decoding per token). Prints scripts/run/table.py's table and the cost line.
# Usage: scripts/run/draft-speedup.sh [prompt set (translation-en-de)] [prompts (8)] [max-new (64)]
set -euo pipefail
cd "$(dirname "$0")/../.."
S=${1:-translation-en-de}; N=${2:-8}; NEW=${3:-64}
OUT=${OUT:-out/draft-speedup}/$S
M=$(bash scripts/fetch-models.sh)
D=${DRAFT:-models/smollm2-135m-draft.gguf}
P=configs/prompts/$S.jsonl
mkdir -p "$OUT/plans" "$OUT/runs"
plan() {  # name gamma mode target draft-pu threads
  printf 'schema: hetspec.plan/1\ngamma: %s\nmode: %s\ntarget: %s\ndraft: {pu: "%s"}\nthreads: {cpu: %s}\n' "$2" "$3" "$4" "$5" "$6" > "$OUT/plans/$1.yaml"
}
run() {  # name
  ./build/hetspec run --plan "$OUT/plans/$1.yaml" --target "$M" --draft "$D" --prompts "$P" --limit "$N" \
    --max-new "$NEW" -q --out "$OUT/runs/$1" > /dev/null
}
for g in 1 2 3 4; do plan cpu-g$g $g sequential '{pu: cpu}' cpu 2; run cpu-g$g; done
if [[ "$(./build/hetspec inspect "$D")" == *$'\nreads_features: true'* ]]; then
  echo "($D reads its target's features (eagle): the engine runs it and its target on the CPU only; no PoCL or split plans)"
else
  plan draftpocl-g1 1 sequential '{pu: cpu}' cl:0 2; run draftpocl-g1
  plan split-g1 1 sequential '{pu: cpu, split: {at: 15, pu: "cl:0"}}' cpu 2; run split-g1
fi
python3 scripts/run/table.py "$OUT/runs"
plan cost-g2 2 sequential '{pu: cpu}' cpu 1
./build/hetspec run --plan "$OUT/plans/cost-g2.yaml" --target "$M" --draft "$D" --prompts "$P" --limit "$N" \
  --max-new "$NEW" -q --baseline cpu --out "$OUT/cost-g2" > /dev/null
python3 - "$OUT/cost-g2/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); a = {x["name"]: x for x in s["arms"]}
p, b = a["plan"], a["baseline"]
d = p["phases"]["draft"] / p["gamma"] / 1000
t = b["per_token_us"] / 1000
print(f"\ncost, 1 thread: draft {d:.2f} ms per drafted token, plain decoding {t:.2f} ms per token: {100 * d / t:.1f} %"
      f" (verify of {p['gamma'] + 1} tokens {p['phases']['verify'] / 1000:.2f} ms)")
PY
