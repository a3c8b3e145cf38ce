#!/usr/bin/env bash
# Issue 15 on the H200 machine (a dedicated 16-core Xeon + H200, unlike the shared 2-core dev VM):
# run-to-run stability of two back-to-back `hetspec profile --quick` runs (kernel grid in rounds),
# and the forward-model check of the first. The model is a random-weight SmolLM2-135M Q4_1 made there
# (the real file's shapes and dtypes; timings do not depend on the weights' values), so nothing but
# the binary travels. Expects .dev/hetspec and .dev/lib (scripts/device/pack.sh). Writes under $OUT:
# h200-quick-{1,2}.yaml, h200-stability.txt (the comparison, the check, timings).
set -u
OUT="${OUT:-out/h200-stability}"
. "$(dirname "$0")/env.sh"  # NVIDIA OpenCL, library path, $B
M=/tmp/smollm2-135m-q4_1-seed1.gguf
{
  echo "# $(date -u +%FT%TZ) $($B --version)"
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>&1
  $B devices
  GPU=$($B devices | awk '/^cl:[0-9]+/ && /NVIDIA/ {print $1; exit}')
  echo "## GPU: ${GPU:-none}"
  [ -f "$M" ] || $B make-model --spec configs/models/smollm2-135m.yaml --seed 1 --dtype q4_1 --out "$M"
  for i in 1 2; do
    s=$SECONDS
    $B profile --quick --models "$M" --devices "cpu${GPU:+,$GPU}" --out "$OUT/h200-quick-$i.yaml" --model-cache /tmp 2>&1 | tail -1
    echo "profile $i: $((SECONDS - s)) s"
  done
  echo "## hetspec profile --compare h200-quick-1.yaml h200-quick-2.yaml"
  $B profile --compare "$OUT/h200-quick-1.yaml" "$OUT/h200-quick-2.yaml"
  echo "## hetspec profile --check h200-quick-1.yaml (forwards measured now vs predicted from the profile)"
  $B profile --check "$OUT/h200-quick-1.yaml" --models "$M" --devices "cpu${GPU:+,$GPU}" 2>&1 | tail -40
} 2>&1 | tee "$OUT/h200-stability.txt"
