#!/usr/bin/env bash
# Issue-7 exactness matrix: greedy speculative decoding (self:8 drafts of SmolLM2-135M-Instruct) must
# give token for token the target's plain greedy output, for every prompt of every set in
# configs/prompts/, gamma in 1 2 4 8, on cpu, PoCL (cl:0) and a cpu/PoCL split, sequential, and
# overlapped (draft on the CPU, target on PoCL), in batch-invariant mode. Then the same on the CPU in the
# default (llama.cpp-order, not batch-invariant) mode, to count how often it differs.
# Each `hetspec run` runs the plan and plain decoding on the plan's target placement over the same
# prompts; the comparison reads their token ids from trace.json.
# Usage: [DRAFT=models/smollm2-135m-draft.gguf] scripts/run/check-spec-exactness.sh [prompts per set on PoCL placements (default 4)]
# (DRAFT: any draft the run command takes; default self:8. LIMIT: prompts per set on the CPU, default all)
set -euo pipefail
cd "$(dirname "$0")/../.."
NCL=${1:-4}
OUT=${OUT:-out/exactness}
M=$(bash scripts/fetch-models.sh)
mkdir -p "$OUT/plans"
plan() {  # name gamma mode target draft
  printf 'schema: hetspec.plan/1\ngamma: %s\nmode: %s\ntarget: %s\ndraft: {pu: "%s"}\nthreads: {cpu: 2}\n' "$2" "$3" "$4" "$5" > "$OUT/plans/$1.yaml"
}
run() {  # name plan-args...
  local name=$1; shift
  ./build/hetspec run --target "$M" --draft "${DRAFT:-self:8}" --max-new 16 -q --warmup 0 --baseline cpu --out "$OUT/$name" "$@" > /dev/null
}
for set in configs/prompts/*.jsonl; do
  s=$(basename "$set" .jsonl)
  for g in 1 2 4 8; do
    plan cpu-g$g $g sequential '{pu: cpu}' cpu
    run "$s-cpu-g$g-bi" --plan "$OUT/plans/cpu-g$g.yaml" --prompts "$set" ${LIMIT:+--limit $LIMIT} --batch-invariant
    run "$s-cpu-g$g-fast" --plan "$OUT/plans/cpu-g$g.yaml" --prompts "$set" ${LIMIT:+--limit $LIMIT}
  done
  for g in 1 4; do
    plan cl-g$g $g sequential '{pu: "cl:0"}' cl:0
    run "$s-pocl-g$g-bi" --plan "$OUT/plans/cl-g$g.yaml" --prompts "$set" --limit "$NCL" --batch-invariant
    plan split-g$g $g sequential '{pu: cpu, split: {at: 12, pu: "cl:0"}}' cpu
    run "$s-split-g$g-bi" --plan "$OUT/plans/split-g$g.yaml" --prompts "$set" --limit "$NCL" --batch-invariant
    plan ovl-g$g $g overlapped '{pu: "cl:0"}' cpu
    run "$s-ovl-g$g-bi" --plan "$OUT/plans/ovl-g$g.yaml" --prompts "$set" --limit "$NCL" --batch-invariant
  done
done
python3 - "$OUT" <<'PY'
import json, pathlib, sys
root = pathlib.Path(sys.argv[1])
tot = {"bi": [0, 0], "fast": [0, 0]}
print("| run | prompts | identical to plain greedy |")
print("|---|---|---|")
for f in sorted(root.glob("*/trace.json")):
    t = json.loads(f.read_text())
    arms = {a["name"]: a for a in t["arms"]}
    ref = arms.get("plan-target") or arms["baseline"]
    plan = arms["plan"]
    same = sum(p["tokens"] == r["tokens"] for p, r in zip(plan["requests"], ref["requests"]))
    n = len(plan["requests"])
    kind = "bi" if f.parent.name.endswith("-bi") else "fast"
    tot[kind][0] += same; tot[kind][1] += n
    print(f"| {f.parent.name} | {n} | {same} |")
print()
print(f"batch-invariant mode: {tot['bi'][0]} / {tot['bi'][1]} requests identical")
print(f"default (fast) mode on the CPU: {tot['fast'][0]} / {tot['fast'][1]} identical")
sys.exit(0 if tot["bi"][0] == tot["bi"][1] else 1)
PY
