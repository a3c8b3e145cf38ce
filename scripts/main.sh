#!/usr/bin/env bash
# The main job, end to end: install, build, then
#  1. sweep the default model pair (Llama-3.2-3B target, Llama-3.2-1B draft) on every bundled SoC
#     description (spec-sheet estimates), results under out/sweeps/<soc>/;
#  2. the whole loop on this machine with the bundled model (SmolLM2-135M-Instruct) and the shipped
#     draft (models/smollm2-135m-draft.gguf): quick profile -> sweep on it -> run the best plan beside
#     its baselines -> validate a small grid of plans (predicted vs measured) -> calibrate the
#     overheads on half of the grid and report the error before and after on the other half.
#     Prints where the reports are. ~6 minutes on a 2-core VM.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
for soc in configs/socs/*.yaml; do
  name=$(basename "$soc" .yaml)
  echo "=== $name ==="
  ./build/hetspec sweep --soc "$soc" --target configs/models/llama-3.2-3b.yaml \
    --draft configs/models/llama-3.2-1b.yaml --alpha 0.7 --top 15 --out "out/sweeps/$name"
done

M=$(bash scripts/fetch-models.sh)
D=models/smollm2-135m-draft.gguf
L=out/loop
DEVS=cpu
./build/hetspec devices | grep -q '^cl:0' && DEVS=cpu,cl:0
echo "=== the loop on this machine ($DEVS) ==="
echo "--- 1. profile (quick)"
./build/hetspec profile --quick --models "$M,$D" --devices "$DEVS" --out "$L/profile.yaml"
./build/hetspec profile --show "$L/profile.yaml" | head -40
echo "--- 2. sweep on the measured profile (the draft's acceptance on translation prompts: ~0.6)"
./build/hetspec sweep --soc "$L/profile.yaml" --target "$M" --draft "$D" --alpha 0.6 --max-gamma 8 --top 10 --out "$L/sweep"
echo "--- 3. run the best plan beside plain decoding"
./build/hetspec run --profile "$L/profile.yaml" --plan "$L/sweep/best-plan.yaml" --target "$M" --draft "$D" \
  --prompts configs/prompts/translation-en-de.jsonl --limit 4 --max-new 24 -q --out "$L/run"
echo "--- 4. validate a grid of plans: predicted vs measured"
./build/hetspec validate --profile "$L/profile.yaml" --target "$M" --draft "$D" \
  --prompts configs/prompts/translation-en-de.jsonl --gammas 0,1,2,4 --calibration 2 --held-out 2 --max-new 16 \
  --out "$L/report"
echo "--- 5. calibrate the overheads on half of the grid; error before/after on the other half"
./build/hetspec calibrate --profile "$L/profile.yaml" --traces "$L/report" --out "$L/profile-calibrated.yaml" \
  --report "$L/report-calibrated"
echo "report: $L/report/report.html (index.md, plans.csv, validation.json)"
echo "calibrated: $L/report-calibrated/report.html, profile $L/profile-calibrated.yaml"
