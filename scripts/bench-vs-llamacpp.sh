#!/usr/bin/env bash
# Side by side: hetspec vs llama.cpp's llama-bench on the same GGUF files (issue 12). Per model and
# thread count, --reps runs of each tool, alternating which goes first run by run, then medians:
#   tg N   decode tokens/s over N single-token forwards: llama-bench `-n N` vs `hetspec bench-forward
#          --tg N` (each step waits for its logits on the host and feeds back their argmax; llama-bench
#          feeds random ids; both after a warm-up, from depth 0 here)
#   pp m   one forward of m tokens from an empty context (--depth 0), m / time: llama-bench `-p m` vs
#          `hetspec bench-forward --m ... --logits last` (llama-bench asks for the last row of logits only)
# and hetspec's own verify curve T(m)/T(1) (all m logit rows, at depth 64) and its decode speed-up over
# the first thread count. Per run, pp m is the median of --pp-reps (5) forwards (llama-bench -r 5, its
# samples; bench-forward --reps 5), tg one pass (-r 1); each tool warms up first. llama-bench runs
# with flash attention off; with --ngl 0 it also gets `-dev none` (pure CPU even in a CUDA build).
#
#   scripts/bench-vs-llamacpp.sh [--threads "1 2"] [--reps 3] [--quick] [--out FILE] [--models "K ..."]
#       [--device cpu|cl:0] [--ngl 0|99] [--llama-bench PATH] [--hetspec PATH] [--tg 128]
#       [--pp 1,2,4,8,16] [--pp-reps 5] [--depth 0] [--curve-m 1-17] [--label TEXT] [--wait-idle SECONDS]
# Model keys (default: all four): smollm2 (the real SmolLM2-135M-Instruct Q4_1; scripts/fetch-models.sh),
# random-smollm2-q4_1, random-llama1b-q4_1, random-llama1b-q4_0 (hetspec make-model, seed 1, cached in
# $HETSPEC_CACHE/models); or a path to a .gguf. --quick: one rep, tg 32, the curve at m = 1,2,4,8,16.
# Before each run the whole machine's CPU use over 0.5 s is sampled (other processes skew a shared
# VM's numbers, the multi-thread ones most); --wait-idle S waits up to S seconds for it to fall below 10%.
# Without --llama-bench / $LLAMA_BENCH, llama.cpp is built for the CPU by scripts/llamacpp.sh; without
# --hetspec / $HETSPEC_BIN, hetspec is built by scripts/build.sh. The H200 machine runs this through
# scripts/device/h200-bench-vs-llamacpp.sh (CUDA llama-bench, --device cl:0 --ngl 99).
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${HETSPEC_CACHE:-$HOME/.cache/hetspec}"
MODELS_DIR="${HETSPEC_MODELS_DIR:-$CACHE/models}"
THREADS="1 2"
REPS=3
PP_REPS=5  # forwards per pp m within one run (llama-bench -r, bench-forward --reps; their median)
TG=128
PP=1,2,4,8,16
DEPTH=0
CURVE_M=1-17
CURVE_DEPTH=64
DEVICE=cpu
NGL=0
MODELS="smollm2 random-smollm2-q4_1 random-llama1b-q4_1 random-llama1b-q4_0"
LB="${LLAMA_BENCH:-}"
HB="${HETSPEC_BIN:-}"
OUTF=""
LABEL=""
WAIT_IDLE=0
ARGS="$*"
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) THREADS="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --quick) REPS=1; PP_REPS=3; TG=32; CURVE_M=1,2,4,8,16; shift ;;
    --pp-reps) PP_REPS="$2"; shift 2 ;;
    --out) OUTF="$2"; shift 2 ;;
    --models) MODELS="$2"; shift 2 ;;
    --device|--pu) DEVICE="$2"; shift 2 ;;
    --ngl) NGL="$2"; shift 2 ;;
    --llama-bench) LB="$2"; shift 2 ;;
    --hetspec) HB="$2"; shift 2 ;;
    --tg) TG="$2"; shift 2 ;;
    --pp) PP="$2"; shift 2 ;;
    --depth) DEPTH="$2"; shift 2 ;;
    --curve-m) CURVE_M="$2"; shift 2 ;;
    --label) LABEL="$2"; shift 2 ;;
    --wait-idle) WAIT_IDLE="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"; exit 0 ;;
    *) echo "bench-vs-llamacpp: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$OUTF" ] && exec > >(tee "$OUTF")

if [ -z "$HB" ]; then
  HB="${HETSPEC_BUILD_DIR:-build}/hetspec"
  flock /tmp/hetspec-build.lock bash scripts/build.sh hetspec >/dev/null 2>&1 ||
    { [ -x "$HB" ] || exit 2; echo "bench-vs-llamacpp: the build failed: using the existing $HB" >&2; }
fi
[ -z "$LB" ] && LB="$(bash scripts/llamacpp.sh)/llama-bench"
[ -x "$HB" ] || { echo "bench-vs-llamacpp: no hetspec binary at $HB" >&2; exit 2; }
[ -x "$LB" ] || { echo "bench-vs-llamacpp: no llama-bench at $LB" >&2; exit 2; }
LB_EXTRA=(-ngl "$NGL")
[ "$NGL" = 0 ] && LB_EXTRA+=(-dev none)

model_path() {  # key or path -> a .gguf (made when missing)
  local spec dtype f
  case "$1" in
    smollm2) f="$MODELS_DIR/SmolLM2-135M-Instruct.Q4_1.gguf"
             [ -s "$f" ] || f=$(bash scripts/fetch-models.sh); echo "$f"; return ;;
    random-smollm2-q4_1) spec=smollm2-135m; dtype=q4_1 ;;
    random-llama1b-q4_1) spec=llama-3.2-1b; dtype=q4_1 ;;
    random-llama1b-q4_0) spec=llama-3.2-1b; dtype=q4_0 ;;
    *) echo "$1"; return ;;
  esac
  f="$MODELS_DIR/random-$spec-$dtype.gguf"
  if [ ! -s "$f" ]; then
    mkdir -p "$MODELS_DIR"
    "$HB" make-model --spec "configs/models/$spec.yaml" --seed 1 --dtype "$dtype" --out "$f.tmp.$$" >&2
    mv "$f.tmp.$$" "$f"
  fi
  echo "$f"
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
R="$TMP/runs.tsv"  # tool model threads metric tokens/s, one line per run and metric
: > "$R"

busy_pct() {  # the machine's CPU use (all CPUs, %) over 0.5 s, from /proc/stat
  local a b
  a=$(head -1 /proc/stat); sleep 0.5; b=$(head -1 /proc/stat)
  python3 -c "
a, b = [list(map(int, s.split()[1:])) for s in ('$a', '$b')]
d = [y - x for x, y in zip(a, b)]
idle = d[3] + d[4]
print(round(100 * (1 - idle / max(1, sum(d)))))"
}
before_run() {  # logs the machine's CPU use before a run; with --wait-idle, waits for it to fall first
  local p t0=$SECONDS
  p=$(busy_pct)
  while [ "$p" -ge 10 ] && [ $((SECONDS - t0)) -lt "$WAIT_IDLE" ]; do sleep 2; p=$(busy_pct); done
  echo "$p" >> "$TMP/busy.txt"
}

run_llama() {  # key model threads: pp with -r PP_REPS (median of its samples), tg with -r 1
  : > "$TMP/lb.json.all"
  for args in "-p $PP -n 0 -r $PP_REPS" "-p 0 -n $TG -r 1"; do
    # shellcheck disable=SC2086
    "$LB" -m "$2" -t "$3" "${LB_EXTRA[@]}" -fa off $args -d "$DEPTH" -o json 2>"$TMP/lb.err" > "$TMP/lb.json" ||
      { echo "bench-vs-llamacpp: llama-bench failed on $2:" >&2; tail -5 "$TMP/lb.err" >&2; continue; }
    python3 - "$TMP/lb.json" "$1" "$3" >> "$R" <<'PY'
import json, statistics, sys
for r in json.load(open(sys.argv[1])):
    metric = f"pp{r['n_prompt']}" if r["n_prompt"] > 0 else f"tg{r['n_gen']}"
    print(f"llama.cpp\t{sys.argv[2]}\t{sys.argv[3]}\t{metric}\t{statistics.median(r['samples_ts']):.3f}")
PY
    LB_BUILD=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1]))[0]; print(r['build_commit'], r['build_number'], r.get('backends', ''), r.get('gpu_info', ''))" "$TMP/lb.json")
  done
}

run_hetspec() {  # key model threads
  "$HB" bench-forward --model "$2" --device "$DEVICE" --threads "$3" --m "$PP" --reps "$PP_REPS" --warmup 1 --depth "$DEPTH" \
      --logits last --tg "$TG" --json > "$TMP/hf.json" ||
    { echo "bench-vs-llamacpp: hetspec bench-forward failed on $2" >&2; return 0; }
  python3 - "$TMP/hf.json" "$1" "$3" >> "$R" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
for p in j["points"]:
    print(f"hetspec\t{sys.argv[2]}\t{sys.argv[3]}\tpp{p['m']}\t{p['tokens_per_s']:.3f}")
if "tg" in j:
    print(f"hetspec\t{sys.argv[2]}\t{sys.argv[3]}\ttg{j['tg']['n']}\t{j['tg']['tokens_per_s']:.3f}")
PY
}

echo "# hetspec vs llama.cpp (llama-bench), side by side"
echo
echo "- command: \`scripts/bench-vs-llamacpp.sh $ARGS\`"
echo "- date: $(date -u +%FT%TZ); ${LABEL:+label: $LABEL; }host: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs visible ($(lscpu | sed -n 's/^Core(s) per socket: *//p' | head -1) cores/socket, $(lscpu | sed -n 's/^Thread(s) per core: *//p' | head -1) threads/core)"
command -v nvidia-smi >/dev/null 2>&1 && echo "- GPU: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1)"
echo "- hetspec: $("$HB" --version) at $HB; device $DEVICE"
echo "- llama-bench: $LB; -ngl $NGL${LB_EXTRA[2]:+ ${LB_EXTRA[*]:2}} -fa off -d $DEPTH; per run: -p $PP -r $PP_REPS, then -n $TG -r 1"
echo "- $REPS runs per tool (alternating which tool runs first); tg $TG; pp m for m = $PP at depth $DEPTH (per run the median of $PP_REPS forwards, hetspec bench-forward --reps $PP_REPS --logits last); the table: medians over runs"
echo
LB_BUILD=""
declare -A PATHS
for key in $MODELS; do
  m=$(model_path "$key")
  PATHS[$key]="$m"
  for t in $THREADS; do
    for rep in $(seq "$REPS"); do
      echo "run: $key threads $t rep $rep" >&2
      if [ $((rep % 2)) = 1 ]; then before_run; run_llama "$key" "$m" "$t"; before_run; run_hetspec "$key" "$m" "$t"
      else before_run; run_hetspec "$key" "$m" "$t"; before_run; run_llama "$key" "$m" "$t"; fi
    done
  done
done
echo "- llama.cpp build: ${LB_BUILD:-unknown}"
echo "- machine CPU use sampled before each run (0.5 s, all CPUs): $(sort -n "$TMP/busy.txt" | python3 -c "
import sys; v = [int(x) for x in sys.stdin]
print(f'median {sorted(v)[len(v) // 2]}%, max {max(v)}% over {len(v)} runs; {sum(x >= 10 for x in v)} runs started with >= 10% busy' if v else 'none')")"
for key in $MODELS; do
  echo "- model $key: ${PATHS[$key]} ($(du -m "${PATHS[$key]}" | cut -f1) MB)"
done
echo
echo "## Medians (tokens/s; ratio = hetspec / llama.cpp)"
echo
python3 - "$R" "$MODELS" "$THREADS" "$TG" "$PP" <<'PY'
import sys, statistics
from collections import defaultdict
rows = defaultdict(list)
for line in open(sys.argv[1]):
    tool, model, t, metric, v = line.rstrip("\n").split("\t")
    rows[(tool, model, t, metric)].append(float(v))
metrics = [f"tg{sys.argv[4]}"] + [f"pp{m}" for m in sys.argv[5].split(",")]
print("| model | threads | metric | hetspec | llama.cpp | ratio | runs (h / l) |")
print("|---|---:|---|---:|---:|---:|---|")
med = lambda v: statistics.median(v) if v else None
for model in sys.argv[2].split():
    for t in sys.argv[3].split():
        for metric in metrics:
            h, l = rows.get(("hetspec", model, t, metric), []), rows.get(("llama.cpp", model, t, metric), [])
            hm, lm = med(h), med(l)
            f = lambda x: f"{x:.1f}" if x is not None else "-"
            ratio = f"{hm / lm:.2f}" if hm and lm else "-"
            runs = " ".join(f"{x:.1f}" for x in h) + " / " + " ".join(f"{x:.1f}" for x in l)
            print(f"| {model} | {t} | {metric} tok/s | {f(hm)} | {f(lm)} | {ratio} | {runs} |")
print()
ts = sys.argv[3].split()
if len(ts) > 1:
    print(f"Decode speed-up over {ts[0]} thread(s) (median tg tokens/s ratio):")
    print()
    print("| model | " + " | ".join(f"{t}/{ts[0]} hetspec | {t}/{ts[0]} llama.cpp" for t in ts[1:]) + " |")
    print("|---|" + "---:|---:|" * (len(ts) - 1))
    for model in sys.argv[2].split():
        cells = []
        for t in ts[1:]:
            for tool in ("hetspec", "llama.cpp"):
                a, b = med(rows.get((tool, model, t, metrics[0]), [])), med(rows.get((tool, model, ts[0], metrics[0]), []))
                cells.append(f"{a / b:.2f}" if a and b else "-")
        print(f"| {model} | " + " | ".join(cells) + " |")
    print()
PY

echo "## hetspec's verify curve T(m)/T(1): all m logit rows, depth $CURVE_DEPTH, median of $REPS (bench-forward)"
echo
for key in $MODELS; do
  for t in $THREADS; do
    before_run
    "$HB" bench-forward --model "${PATHS[$key]}" --device "$DEVICE" --threads "$t" --m "$CURVE_M" --reps "$REPS" \
        --depth "$CURVE_DEPTH" --logits all --json > "$TMP/curve-$key-$t.json" 2>"$TMP/curve.err" ||
      { echo "bench-forward failed on $key, $t threads: $(tail -1 "$TMP/curve.err")"; continue; }
  done
done
python3 - "$TMP" "$MODELS" "$THREADS" <<'PY'
import json, os, sys
tmp, models, threads = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
curves = {}
for k in models:
    for t in threads:
        p = os.path.join(tmp, f"curve-{k}-{t}.json")
        if os.path.exists(p):
            curves[(k, t)] = json.load(open(p))
if curves:
    ms = [p["m"] for p in next(iter(curves.values()))["points"]]
    print("| model | threads | T(1) ms | " + " | ".join(f"m={m}" for m in ms) + " |")
    print("|---|---:|---:|" + "---:|" * len(ms))
    for (k, t), c in curves.items():
        print(f"| {k} | {t} | {c['t1_us'] / 1e3:.2f} | " + " | ".join(f"{p['ratio']:.2f}" for p in c["points"]) + " |")
PY
