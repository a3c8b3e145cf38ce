#!/usr/bin/env bash
# Issue 14's acceptance table: the shipped draft (models/smollm2-135m-draft.gguf) against the bundled
# target, greedy, gamma 4, on every prompt set of configs/prompts/ (none used in training), on the
# CPU; prints acceptance per position with 95% intervals, the mean per-position acceptance, and the
# mean accepted tokens per iteration. Usage: scripts/run/draft-acceptance.sh [prompts per set (48)] [max-new (64)]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-48}; NEW=${2:-64}
OUT=${OUT:-out/draft-acceptance}
M=$(bash scripts/fetch-models.sh)
D=${DRAFT:-models/smollm2-135m-draft.gguf}
mkdir -p "$OUT"
printf 'schema: hetspec.plan/1\ngamma: 4\nmode: sequential\ntarget: {pu: "cpu"}\ndraft: {pu: "cpu"}\nthreads: {cpu: 1}\n' > "$OUT/plan.yaml"
for f in configs/prompts/*.jsonl; do
  s=$(basename "$f" .jsonl)
  ./build/hetspec run --plan "$OUT/plan.yaml" --target "$M" --draft "$D" --prompts "$f" --limit "$N" \
    --max-new "$NEW" --no-baseline -q --out "$OUT/$s" > /dev/null
done
python3 - "$OUT" <<'PY'
import json, pathlib, sys
root = pathlib.Path(sys.argv[1])
print(f"draft acceptance, greedy, gamma 4, {root}\n")
print("| prompt set | requests | position 1 | position 2 | position 3 | position 4 | mean per position | tokens / iteration |")
print("|---|---|---|---|---|---|---|---|")
for f in sorted(root.glob("*/summary.json")):
    s = json.loads(f.read_text()); a = s["arms"][0]
    cells = [f"{x['rate']:.2f} [{x['lo95']:.2f}, {x['hi95']:.2f}] (n={x['reached']})" for x in a["acceptance"]]
    mean = sum(x["rate"] for x in a["acceptance"]) / len(a["acceptance"])
    print(f"| {f.parent.name} | {a['requests']} | " + " | ".join(cells) + f" | {mean:.2f} | {a['tokens_per_iter']:.2f} |")
PY
