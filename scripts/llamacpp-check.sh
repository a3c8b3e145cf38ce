#!/usr/bin/env bash
# Issue 11 check on this machine: hetspec's prediction of llama.cpp's speculative decoding against
# llama.cpp's own measurement. SmolLM2-135M-Instruct target, the shipped draft as a standalone GGUF
# (`hetspec make-draft`), CPU, THREADS (default 1 2), γ (--spec-draft-n-max) in GAMMAS (default 1 2 4 8):
#   1. llama.cpp's tools from the pinned sdist (scripts/llamacpp.sh), a quick hetspec profile of this
#      machine (the base: host costs, bandwidth), and a llama.cpp profile through llama-bench;
#   2. acceptance per position measured with hetspec's executor (greedy, same files, chat template)
#      on the first CALIB prompts at γ = 8;
#   3. per (threads, γ): `hetspec export` of the plan -> the command line and the predicted speedup;
#      measured: llama-speculative with those flags on the next HELD prompts in the chat format
#      ("decoded N tokens in S seconds"), over plain decoding measured with llama-bench (-p 0 -n G -d P,
#      same threads) just before each, alternating;
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
# 2. acceptance (hetspec's executor with the chat template; greedy verification is the same rule in both)
printf 'schema: hetspec.plan/1\ngamma: 8\nmode: sequential\ntarget: {pu: cpu}\ndraft: {pu: cpu}\n' > "$OUT/plans/calib.yaml"
$H run --profile "$OUT/base.yaml" --plan "$OUT/plans/calib.yaml" --target "$M" --draft "$D" --prompts "$PROMPTS" \
  --limit "$CALIB" --max-new "$G" --no-baseline -q --out "$OUT/calib" >/dev/null
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
# The held-out prompts (after the calibration ones) in the model's chat format, as hetspec formats them.
python3 - "$PROMPTS" "$CALIB" "$HELD" "$OUT/held.json" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
held = rows[int(sys.argv[2]):int(sys.argv[2]) + int(sys.argv[3])]
sysmsg = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
chat = [f"<|im_start|>system\n{sysmsg}<|im_end|>\n<|im_start|>user\n{r['prompt']}<|im_end|>\n<|im_start|>assistant\n" for r in held]
json.dump({"raw": [r["prompt"] for r in held], "chat": chat}, open(sys.argv[4], "w"))
PY
P=$($H tokenize "$M" "$(python3 -c "import json,sys; print(json.load(open('$OUT/held.json'))['raw'][0])")" --chat --ids | \
  python3 -c "import json,sys; print(len(json.load(sys.stdin)))")
echo "| threads | γ | predicted × | measured × | error | llama.cpp accept | spec tok/s | plain tok/s |" > "$OUT/rows.md"
for t in $THREADS; do
  for g in $GAMMAS; do
    printf 'schema: hetspec.plan/1\ngamma: %s\nmode: sequential\ntarget: {pu: cpu}\ndraft: {pu: cpu}\nthreads: {cpu: %s}\n' \
      "$g" "$t" > "$OUT/plans/t$t-g$g.yaml"
    $H export --engine llama.cpp --soc "$OUT/llamacpp.yaml" --target "$M" --draft "$D" --alpha "$ALPHA" \
      --prompt-tokens "$P" --gen-tokens "$G" --plan "$OUT/plans/t$t-g$g.yaml" > "$OUT/plans/t$t-g$g.sh"
    # Measured: llama-speculative with the exported flags on each held-out prompt, and plain decoding
    # (llama-bench tg G at depth P, same threads) right before each, alternating.
    python3 - "$OUT/plans/t$t-g$g.sh" "$BIN" "$OUT/held.json" "$OUT/t$t-g$g.log" "$M" "$G" "$P" "$t" "$g" >> "$OUT/rows.md" <<'PY'
import json, re, shlex, subprocess, sys
script, bindir, held, logf, model, G, P, t, g = sys.argv[1:10]
lines = open(script).read().splitlines()
pred = float(re.search(r"tokens/s, ([0-9.]+)x over plain", "\n".join(lines)).group(1))
argv = shlex.split(lines[-1])
argv[0] = f"{bindir}/{argv[0]}"
argv = argv[:argv.index("-p")]
log, n_tok, secs, base_tps, dr, ac = open(logf, "w"), 0, 0.0, [], 0, 0
for prompt in json.load(open(held))["chat"]:
    b = subprocess.run([f"{bindir}/llama-bench", "-m", model, "-p", "0", "-n", G, "-d", P, "-t", t, "-r", "2", "-o", "json"],
                       capture_output=True, text=True, check=True)
    r = json.loads(b.stdout)[0]
    base_tps.append(r["n_gen"] / (r["avg_ns"] / 1e9))
    out = subprocess.run(argv + ["-p", prompt], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    log.write(out.stdout + out.stderr)
    m = re.search(r"decoded\s+(\d+) tokens in\s+([0-9.]+) seconds", out.stdout + out.stderr)
    if not m: sys.exit(f"no 'decoded N tokens' line from {' '.join(argv)} (see {logf}): its output changed or it failed")
    n_tok += int(m.group(1)); secs += float(m.group(2))
    dr += int(re.search(r"n_drafted = (\d+)", out.stdout + out.stderr).group(1))
    ac += int(re.search(r"n_accept  = (\d+)", out.stdout + out.stderr).group(1))
tps = n_tok / secs
base = sum(base_tps) / len(base_tps)
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
