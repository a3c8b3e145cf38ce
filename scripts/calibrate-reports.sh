#!/usr/bin/env bash
# Calibrates the committed validation reports (hetspec calibrate: fit on every other measured plan of
# run 1, score on the rest) and re-predicts the second run with the calibrated profile:
#   reports/h200/a/calibrated/      H200 machine, SmolLM2-135M + the shipped draft (51 plans, runs 1 and 2)
#   reports/h200/b/calibrated/      H200 machine, timing mode, random Llama-3.2-3B + 1B (51 plans)
#   reports/dev-amd-epyc-2core/a/calibrated/   this 2-core VM, SmolLM2-135M + the shipped draft, cpu + PoCL
# The traces name model paths of the machine that ran them: the SmolLM2 GGUF is fetched here, the
# random Llama files are replaced by their configs/models specs (same shapes, same names).
set -euo pipefail
cd "$(dirname "$0")/.."
M=$(bash scripts/fetch-models.sh)
D=models/smollm2-135m-draft.gguf
H=./build/hetspec
pair() {  # DIR: profile.yaml, run1/, run2/ -> calibrated/{profile.yaml,run1,run2}
  $H calibrate --profile "$1/profile.yaml" --traces "$1/run1" --target "$M" --draft "$D" \
    --out "$1/calibrated/profile.yaml" --report "$1/calibrated/run1"
  $H report "$1/run2" --repredict "$1/calibrated/profile.yaml" --target "$M" --draft "$D" --second-run "$1/run1" \
    --out "$1/calibrated/run2"
}
pair reports/h200/a
$H calibrate --profile reports/h200/b/profile.yaml --traces reports/h200/b/run \
  --target configs/models/llama-3.2-3b.yaml --draft configs/models/llama-3.2-1b.yaml \
  --out reports/h200/b/calibrated/profile.yaml --report reports/h200/b/calibrated
[ -d reports/dev-amd-epyc-2core/a/run2 ] && pair reports/dev-amd-epyc-2core/a
