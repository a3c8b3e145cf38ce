#!/usr/bin/env bash
# Issue 8 (a) on this kind of machine (2-core VM, PoCL on the same cores): SmolLM2-135M-Instruct with
# the shipped draft (models/smollm2-135m-draft.gguf) on the translation prompts, over the validation
# grid (cpu / PoCL / cpu+PoCL split targets, drafts on either PU, sequential and overlapped,
# gamma in {0,1,2,3,4,6,8}: 51 plans), run twice (the noise floor), then calibrated on run 1's every
# other plan and scored on the rest and on run 2. ~25 min here; the machine must be otherwise idle.
#   bash scripts/run/vm-validate-a.sh [OUT]     # OUT defaults to reports/dev-amd-epyc-2core/a
set -euo pipefail
cd "$(dirname "$0")/../.."
O="${1:-reports/dev-amd-epyc-2core/a}"
H=./build/hetspec
M=$(bash scripts/fetch-models.sh)
D=models/smollm2-135m-draft.gguf
P=configs/prompts/translation-en-de.jsonl
mkdir -p "$O"
lscpu | grep -E 'Model name|^CPU\(s\)|L3' | tee "$O/host.txt"
$H profile --quick --models "$M,$D" --devices cpu,cl:0 --out "$O/profile.yaml"
$H profile --show "$O/profile.yaml" > "$O/profile-show.txt"
for r in 1 2; do
  $H validate --profile "$O/profile.yaml" --target "$M" --draft "$D" --prompts "$P" --pus cpu,cl:0 \
    --gammas 0,1,2,3,4,6,8 --calibration "${CALIB:-8}" --held-out "${HELD_OUT:-4}" --max-new "${MAX_NEW:-32}" \
    -q --out "$O/run$r"
done
$H calibrate --profile "$O/profile.yaml" --traces "$O/run1" --out "$O/calibrated/profile.yaml" --report "$O/calibrated/run1"
$H report "$O/run2" --repredict "$O/calibrated/profile.yaml" --target "$M" --draft "$D" --second-run "$O/run1" \
  --out "$O/calibrated/run2"
