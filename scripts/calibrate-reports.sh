#!/usr/bin/env bash
# Calibrates the committed validation reports (hetspec calibrate: fit on every other measured plan,
# score on the rest) and writes each calibrated profile beside its rebuilt report:
#   reports/h200/calibrated/a/          H200 machine, SmolLM2-135M self:8 (51 plans)
#   reports/h200/calibrated/b/          H200 machine, timing mode, random Llama-3.2-3B + 1B (35 plans)
#   reports/dev-amd-epyc-2core/calibrated/   this 2-core VM, SmolLM2-135M self:8, cpu + PoCL (27 plans)
# The traces name model paths of the machine that ran them: the SmolLM2 GGUF is fetched here, the
# random Llama files are replaced by their configs/models specs (same shapes, same names).
set -euo pipefail
cd "$(dirname "$0")/.."
M=$(bash scripts/fetch-models.sh)
H=./build/hetspec
$H calibrate --profile reports/h200/h200-profile.yaml --traces reports/h200/a-validation.json \
  --target "$M" --draft self:8 --out reports/h200/calibrated/a/profile.yaml --report reports/h200/calibrated/a
$H calibrate --profile reports/h200/h200-profile-llama.yaml --traces reports/h200/b-validation.json \
  --target configs/models/llama-3.2-3b.yaml --draft configs/models/llama-3.2-1b.yaml \
  --out reports/h200/calibrated/b/profile.yaml --report reports/h200/calibrated/b
$H calibrate --profile reports/dev-amd-epyc-2core/profile-quick.yaml --traces reports/dev-amd-epyc-2core \
  --target "$M" --draft self:8 --out reports/dev-amd-epyc-2core/calibrated/profile.yaml \
  --report reports/dev-amd-epyc-2core/calibrated
