#!/usr/bin/env bash
# Trains the shipped draft on the H200 machine (issue 14). That machine has PyTorch but no package
# registry and a 64 MiB limit per call on what travels (the repository itself included, ~18 MB), so
# the 94 MiB target goes in three pieces over back-to-back calls (the machine stays warm 30 s
# between them), with gguf-py as a wheel:
#   here:  scripts/device/pack.sh   (model pieces in .dev/p1, .dev/p2, .dev/p3)
#          python3 -m pip download --no-deps --only-binary=:all: -d .whl gguf==0.19.0
#   call 1 (carry .dev/p1):        bash scripts/train-draft/run-h200.sh stash
#   call 2 (carry .dev/p2):        bash scripts/train-draft/run-h200.sh stash
#   call 3 (carry .dev/p3 .whl):   bash scripts/train-draft/run-h200.sh train
#   call 4 (carry .whl):            bash scripts/train-draft/run-h200.sh continue
# Call 4 is round 2 (the shipped draft since 2026-12-03): call 3's draft (kept in $STATE; INIT=FILE names
# another, e.g. models/smollm2-135m-draft.gguf of an earlier commit) trained again for BUDGET_S on fresh
# data (another seed: new stage-1 samples), more templated questions and more sampled chat continuations,
# at half the learning rate.
# VARIANTS="E2:0,29:q8_0;..." (train.py --variants) picks what call 3 trains (default: train.py's);
# TRAIN_ARGS adds train.py options (e.g. "--init-draft models/smollm2-135m-draft.gguf --lr 3e-4").
# Call 3 runs the real run, fitted to BUDGET_S seconds (default 530) from its start, so the call ends
# inside its 600 s limit; results land in $OUT (train-report.json, smollm2-135m-draft.gguf, train.log).
# SMOKE=1 runs a smoke pass first (tiny data, 60 steps; it also runs on a CPU:
#   python3 train.py --target T.gguf --out /tmp/smoke --smoke --batch 8 --gen-batch 64 --max-new 24).
set -u -o pipefail
STAGE="${1:?stage: stash | train | continue}"
OUT="${OUT:-out/train-draft}"
STATE="${STATE:-/tmp/hetspec-h200}"
mkdir -p "$OUT" "$STATE"
M="$STATE/SmolLM2-135M-Instruct.Q4_1.gguf"
case "$STAGE" in
  stash)
    cp .dev/p*/model.part* "$STATE/" && ls -la "$STATE"
    python3 -c 'import torch, numpy; print(torch.__version__, torch.cuda.get_device_name(0), numpy.__version__)'
    ;;
  train)
    START=$(date +%s)
    cp .dev/p*/model.part* "$STATE/" 2>/dev/null
    [ -s "$M" ] || cat "$STATE"/model.part* > "$M"
    sha256sum "$M"
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/gguf-*.whl || exit 1
    export PYTHONPATH=/tmp/site PYTHONUNBUFFERED=1
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
    if [ "${SMOKE:-0}" = 1 ]; then
      python3 scripts/train-draft/train.py --target "$M" --out "$STATE/smoke" --smoke 2>&1 | tee "$OUT/smoke.log" || exit 1
    fi
    python3 scripts/train-draft/train.py --target "$M" --out "$OUT" --end-by $((START + ${BUDGET_S:-530})) \
      ${VARIANTS:+--variants "$VARIANTS"} ${TRAIN_ARGS:-} 2>&1 | tee "$OUT/train.log"
    # kept for a next back-to-back call (h200-draft.sh with the new draft) while the machine stays warm
    cp "$OUT"/smollm2-135m-*.gguf "$STATE/" 2>/dev/null
    ;;
  continue)
    INIT="${INIT:-$STATE/smollm2-135m-draft.gguf}"
    [ -s "$INIT" ] || { echo "continue: no draft to continue at $INIT (run the train stage first, back to back, or set INIT)"; exit 2; }
    cp .dev/p*/model.part* "$STATE/" 2>/dev/null
    [ -s "$M" ] || { ls "$STATE"/model.part* >/dev/null 2>&1 && cat "$STATE"/model.part* > "$M"; }
    [ -s "$M" ] || { echo "continue: no target at $M (the machine went cold: stash the pieces again)"; exit 2; }
    sha256sum "$M" "$INIT"
    BUDGET_S="${BUDGET_S:-560}" \
      TRAIN_ARGS="--init-draft $INIT --lr 3e-4 --seed 1235 --fact-each 200 --chat-samples 3 ${TRAIN_ARGS:-}" \
      bash "$0" train
    ;;
  *) echo "unknown stage $STAGE"; exit 2 ;;
esac
