#!/usr/bin/env bash
# `hetspec profile` on the H200 machine (16-core Xeon + H200 through NVIDIA OpenCL, PoCL on the Xeon):
# measures cpu and every OpenCL device on SmolLM2-135M (the real file) and a random-weight
# Llama-3.2-1B Q4_1 (made there with make-model), shows the profile, then checks its forward model.
# Expects the binaries in .dev/ (hetspec, lib/libyaml-cpp.so.0.7) built on the dev machine and the
# SmolLM2 file at $HETSPEC_MODEL. Writes $OUT/h200-profile.yaml (+ .partial while running: rerun the
# script to resume after an interruption), $OUT/h200-profile-show.txt, $OUT/h200-check.txt and
# $OUT/h200-profile.log.
set -u
OUT="${OUT:-out/h200}"
mkdir -p "$OUT" /etc/OpenCL/vendors
echo libnvidia-opencl.so.1 > /etc/OpenCL/vendors/nvidia.icd
export LD_LIBRARY_PATH="$PWD/.dev/lib:${LD_LIBRARY_PATH:-}"
mkdir -p build && cp .dev/hetspec build/
B=./build/hetspec
M="$HETSPEC_MODEL"
L="$OUT/models/llama-3.2-1b-q4_1-seed1.gguf"
mkdir -p "$OUT/models"
{
  echo "# hetspec H200 profile, $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1
  $B devices
  [ -f "$L" ] || $B make-model --spec configs/models/llama-3.2-1b.yaml --seed 1 --out "$L" --dtype q4_1
  DEVS="cpu$($B devices | awk '/^cl:[0-9]+/ {printf ",%s", $1}')"
  echo "## devices: $DEVS"
  RESUME=""
  [ -f "$OUT/h200-profile.yaml.partial" ] && RESUME="--resume"
  echo "## hetspec profile --out $OUT/h200-profile.yaml --models $M,$L --devices $DEVS --budget ${BUDGET:-480} $RESUME"
  $B profile --out "$OUT/h200-profile.yaml" --models "$M,$L" --devices "$DEVS" --budget "${BUDGET:-480}" \
      --model-cache "$OUT/models" $RESUME 2>&1
  $B profile --show "$OUT/h200-profile.yaml" | tee "$OUT/h200-profile-show.txt"
  echo "## hetspec profile --check (forward model accuracy)"
  $B profile --check "$OUT/h200-profile.yaml" --models "$M,$L" --model-cache "$OUT/models" 2>&1 | tee "$OUT/h200-check.txt"
} 2>&1 | tee "$OUT/h200-profile.log"
