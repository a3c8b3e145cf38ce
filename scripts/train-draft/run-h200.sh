#!/usr/bin/env bash
# Trains the shipped draft on the H200 machine (issue 14). That machine has PyTorch but no package
# registry and a 64 MiB limit per call on what travels, so the 94 MiB target goes in two pieces over
# two back-to-back calls (the machine stays warm between them), with gguf-py as a wheel:
#   here:  scripts/device/pack.sh   (model pieces in .dev/p1, .dev/p2)
#          python3 -m pip download --no-deps --only-binary=:all: -d .whl gguf==0.19.0
#   call 1 (carry .dev/p1):        bash scripts/train-draft/run-h200.sh stash
#   call 2 (carry .dev/p2 .whl):   bash scripts/train-draft/run-h200.sh train
# Call 2 runs a smoke pass (tiny data, 60 steps) and then the real run; results land in $OUT
# (train-report.json, smollm2-135m-draft.gguf, train.log). TRAIN_SECONDS sets the distillation time.
set -u -o pipefail
STAGE="${1:?stage: stash | train}"
OUT="${OUT:-out/train-draft}"
STATE="${STATE:-/tmp/hetspec-h200}"
mkdir -p "$OUT" "$STATE"
M="$STATE/SmolLM2-135M-Instruct.Q4_1.gguf"
case "$STAGE" in
  stash)
    cp .dev/p1/* "$STATE/" && ls -la "$STATE"
    python3 -c 'import torch, numpy; print(torch.__version__, torch.cuda.get_device_name(0), numpy.__version__)'
    ;;
  train)
    cp .dev/p2/* "$STATE/" 2>/dev/null
    [ -s "$M" ] || cat "$STATE"/model.partaa "$STATE"/model.partab > "$M"
    sha256sum "$M"
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/gguf-*.whl || exit 1
    export PYTHONPATH=/tmp/site PYTHONUNBUFFERED=1
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
    python3 scripts/train-draft/train.py --target "$M" --out "$STATE/smoke" --smoke 2>&1 | tee "$OUT/smoke.log" || exit 1
    python3 scripts/train-draft/train.py --target "$M" --out "$OUT" --train-seconds "${TRAIN_SECONDS:-270}" 2>&1 | tee "$OUT/train.log"
    ;;
  *) echo "unknown stage $STAGE"; exit 2 ;;
esac
