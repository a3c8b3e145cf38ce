#!/usr/bin/env bash
# Issue 11 check on this machine: hetspec's prediction of llama.cpp's speculative decoding against
# llama.cpp's own measurement. SmolLM2-135M-Instruct target, the shipped draft as a standalone GGUF
# (`hetspec make-draft`), CPU, THREADS (default 1 2), γ (--spec-draft-n-max) in GAMMAS (default 1 2 4 8):
#   1. llama.cpp's tools from the pinned sdist (scripts/llamacpp.sh), a quick hetspec profile of this
#      machine (the base: host costs, bandwidth), and a llama.cpp profile through llama-bench;
#   2. acceptance per position measured with hetspec's executor (greedy, same files, no chat template)
#      on the first CALIB prompts at γ = 8;
#   3. per (threads, γ): `hetspec export` of the plan -> the command line and the predicted speedup;
#      measured: llama-speculative with those flags on the next HELD prompts ("decoded N tokens in S
#      seconds"), over plain decoding measured with llama-bench (-p 0 -n G -d P, same threads);
#   4. a table and the median / max error into OUT/llamacpp-check.md.
# Usage: scripts/llamacpp-check.sh [OUT (default out/llamacpp-check)]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-out/llamacpp-check}
THREADS=${THREADS:-1 2}; GAMMAS=${GAMMAS:-1 2 4 8}; CALIB=${CALIB:-4}; HELD=${HELD:-4}; G=${G:-48}
H=./build/hetspec
mkdir -p "$OUT/plans"
BIN=$(bash scripts/llamacpp.sh)
M=$(bash scripts/fetch-models.sh)
D="$OUT/draft-standalone.gguf"
[ -s "$D" ] || $H make-draft --target "$M" --draft models/smollm2-135m-draft.gguf --out "$D" >/dev/null
PROMPTS=configs/prompts/translation-en-de.jsonl
[ -s "$OUT/base.yaml" ] || $H profile --quick --models "$M,$D" --devices cpu --out "$OUT/base.yaml" 2>/dev/null | tail -1
[ -s "$OUT/llamacpp.yaml" ] || $H profile --engine llama.cpp --llama-bench "$BIN/llama-bench" --base "$OUT/base.yaml" \
  --models "$M,$D" --threads "$(echo $THREADS | tr ' ' ,)" --out "$OUT/llamacpp.yaml"
# 2. acceptance (hetspec's executor; greedy verification is the same rule in both engines)
printf 'schema: hetspec.plan/1\ngamma: 8\nmode: sequential\ntarget: {pu: cpu}\ndraft: {pu: cpu}\n' > "$OUT/plans/calib.yaml"
$H run --profile "$OUT/base.yaml" --plan "$OUT/plans/calib.yaml" --target "$M" --draft "$D" --prompts "$PROMPTS" \
  --limit "$CALIB" --max-new "$G" --no-chat --no-baseline -q --out "$OUT/calib" >/dev/null
ALPHA=$(python3 - "$OUT/calib/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
acc = [a for a in s["arms"] if a["name"] == "plan"][0]["acceptance"]
last, out = acc[0]["rate"], []
for p in acc:
    if p["reached"] >= 5: last = p["rate"]
    out.append(f"{last:.4f}")
print(",".join(out))
PY
)
echo "acceptance (hetspec executor, $CALIB prompts, γ = 8): $ALPHA"
# Held-out prompts (after the calibration ones) as plain text, and their mean token count P.
python3 - "$PROMPTS" "$CALIB" "$HELD" "$OUT/held.txt" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
held = rows[int(sys.argv[2]):int(sys.argv[2]) + int(sys.argv[3])]
open(sys.argv[4], "w").write("\n".join(r["prompt"].replace("\n", " ") for r in held) + "\n")
PY
P=$($H tokenize "$M" "$(head -1 "$OUT/held.txt")" --ids --no-special | python3 -c "import json,sys; print(len(json.load(sys.stdin)))")
echo "| threads | γ | predicted × | measured × | error | llama.cpp accept | spec tok/s | plain tok/s |" > "$OUT/rows.md"
for t in $THREADS; do
  BASE=$("$BIN/llama-bench" -m "$M" -p 0 -n "$G" -d "$P" -t "$t" -r 3 -o json 2>/dev/null | \
    python3 -c "import json,sys; r=json.load(sys.stdin)[0]; print(r['n_gen']/(r['avg_ns']/1e9))")
  for g in $GAMMAS; do
    printf 'schema: hetspec.plan/1\ngamma: %s\nmode: sequential\ntarget: {pu: cpu}\ndraft: {pu: cpu}\nthreads: {cpu: %s}\n' \
      "$g" "$t" > "$OUT/plans/t$t-g$g.yaml"
    $H export --engine llama.cpp --soc "$OUT/llamacpp.yaml" --target "$M" --draft "$D" --alpha "$ALPHA" \
      --prompt-tokens "$P" --gen-tokens "$G" --plan "$OUT/plans/t$t-g$g.yaml" > "$OUT/plans/t$t-g$g.sh"
    PRED=$(sed -n 's/.*tokens\/s, \([0-9.]*\)x over plain.*/\1/p' "$OUT/plans/t$t-g$g.sh")
    CMD=$(tail -1 "$OUT/plans/t$t-g$g.sh" | sed "s|^llama-speculative|$BIN/llama-speculative|; s| -p PROMPT$||")
    : > "$OUT/t$t-g$g.log"
    while IFS= read -r prompt; do
      eval "$CMD" -p "\"\$prompt\"" --no-display-prompt >> "$OUT/t$t-g$g.log" 2>&1 < /dev/null || true
    done < "$OUT/held.txt"
    python3 - "$OUT/t$t-g$g.log" "$BASE" "$PRED" "$t" "$g" >> "$OUT/rows.md" <<'PY'
import re, sys
log, base, pred, t, g = open(sys.argv[1]).read(), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5]
dec = [(int(n), float(s)) for n, s in re.findall(r"decoded\s+(\d+) tokens in\s+([0-9.]+) seconds", log)]
dr = sum(int(x) for x in re.findall(r"n_drafted = (\d+)", log)); ac = sum(int(x) for x in re.findall(r"n_accept  = (\d+)", log))
if not dec: sys.exit(f"no 'decoded N tokens' line in {sys.argv[1]}: llama-speculative's output changed or it failed")
tps = sum(n for n, _ in dec) / sum(s for _, s in dec)
meas = tps / base
print(f"| {t} | {g} | {pred:.3f} | {meas:.3f} | {100*(pred-meas)/meas:+.1f}% | {ac/max(1,dr):.3f} | {tps:.1f} | {base:.1f} |")
PY
  done
done
{
  echo "# hetspec's prediction of llama.cpp's speculative decoding vs llama.cpp's measurement"
  echo
  echo "host: $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}'), $(nproc) cores; llama.cpp: $(grep -o 'llama.cpp [0-9a-f]*' "$OUT/llamacpp.yaml" | head -1);"
  echo "target $(basename "$M"), draft $(basename "$D") (standalone copy of the shipped draft); acceptance $ALPHA;"
  echo "$HELD held-out prompts × $G tokens (P ≈ $P); command: scripts/llamacpp-check.sh"
  echo
  cat "$OUT/rows.md"
  echo
  python3 - "$OUT/rows.md" <<'PY'
import sys, statistics as st
e = [abs(float(l.split("|")[5].strip().rstrip("%"))) for l in open(sys.argv[1]) if l.startswith("| ") and "%" in l]
print(f"absolute error of the predicted speedup: median {st.median(e):.1f}%, max {max(e):.1f}% over {len(e)} plans")
PY
} > "$OUT/llamacpp-check.md"
cat "$OUT/llamacpp-check.md"
