#!/usr/bin/env bash
# Decode speed of `hetspec generate` vs llama.cpp (llama-cpp-python) on the same GGUF, prompt and
# number of tokens, with 1 and 2 threads, measured side by side in one run. Prints tokens/s and the
# ratio hetspec / llama.cpp. Each number is the best of --reps runs (the machine may be shared).
#   scripts/bench-decode.sh [--model M.gguf] [--n 64] [--reps 3] [--threads "1 2"] [--prompt TEXT]
# llama.cpp comes from the venv at ${HETSPEC_LLAMAREF:-$HOME/.cache/hetspec/llamaref}; without it the
# peer is skipped (hetspec numbers are still printed).
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${HETSPEC_CACHE:-$HOME/.cache/hetspec}"
MODEL="${HETSPEC_MODEL:-$CACHE/models/SmolLM2-135M-Instruct.Q4_1.gguf}"
VENV="${HETSPEC_LLAMAREF:-$CACHE/llamaref}"
N=64
REPS=3
THREADS="1 2"
PROMPT="Once upon a time, in a small village,"
while [ $# -gt 0 ]; do
  case "$1" in
    --model) MODEL="$2"; shift 2 ;;
    --n) N="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --prompt) PROMPT="$2"; shift 2 ;;
    *) echo "bench-decode: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -f "$MODEL" ] || { echo "bench-decode: model $MODEL not found (scripts/fetch-models.sh)" >&2; exit 2; }

bash scripts/build.sh hetspec >/dev/null
BIN="${HETSPEC_BUILD_DIR:-build}/hetspec"

hetspec_tps() {  # threads -> best decode tokens/s over REPS runs
  local best=0 tps
  for _ in $(seq "$REPS"); do
    tps=$("$BIN" generate --model "$MODEL" --prompt "$PROMPT" --n "$N" --ignore-eos --threads "$1" 2>&1 >/dev/null |
          sed -n 's/.*decode: [0-9]* tokens in [0-9.]* s (\([0-9.]*\) tokens\/s).*/\1/p')
    best=$(python3 -c "print(max($best, ${tps:-0}))")
  done
  echo "$best"
}

LLAMA_PY='
import sys, time, llama_cpp
from llama_cpp import Llama
model, prompt, n, threads, reps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
llm = Llama(model_path=model, n_ctx=512, n_threads=threads, n_threads_batch=threads, n_batch=512, verbose=False)
ids = llm.tokenize(prompt.encode(), add_bos=True, special=False)
best = 0.0
for _ in range(reps):
    llm.reset()
    llm.eval(ids)
    tok = int(llm.scores[llm.n_tokens - 1].argmax())
    t0 = time.perf_counter()
    for _ in range(n - 1):  # the same n - 1 single-token forwards + greedy picks hetspec times
        llm.eval([tok])
        tok = int(llm.scores[llm.n_tokens - 1].argmax())
    best = max(best, (n - 1) / (time.perf_counter() - t0))
print(f"{best:.2f}")
'

have_llama=0
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import llama_cpp" 2>/dev/null; then
  have_llama=1
  LLAMA_VERSION=$("$VENV/bin/python" -c "import llama_cpp; print(llama_cpp.__version__)")
else
  echo "bench-decode: llama-cpp-python venv not found at $VENV: skipping the llama.cpp peer" >&2
fi

echo "model: $MODEL"
echo "prompt: \"$PROMPT\"; generated tokens: $N (decode timed over $((N - 1)) single-token forwards); best of $REPS"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores visible"
[ "$have_llama" = 1 ] && echo "llama.cpp: llama-cpp-python $LLAMA_VERSION"
printf "%-8s %16s %16s %8s\n" threads "hetspec tok/s" "llama.cpp tok/s" ratio
for t in $THREADS; do
  h=$(hetspec_tps "$t")
  if [ "$have_llama" = 1 ]; then
    l=$("$VENV/bin/python" -c "$LLAMA_PY" "$MODEL" "$PROMPT" "$N" "$t" "$REPS" 2>/dev/null)
    r=$(python3 -c "print(f'{$h / $l:.2f}')")
  else
    l="-"; r="-"
  fi
  printf "%-8s %16s %16s %8s\n" "$t" "$h" "$l" "$r"
done
