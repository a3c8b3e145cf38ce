#!/usr/bin/env bash
# The main job, end to end: install, build, then
#  1. sweep the default model pair (Llama-3.2-3B target, Llama-3.2-1B draft) on every bundled SoC
#     description (spec-sheet estimates), results under out/sweeps/<soc>/;
#  2. the whole loop on this machine with the bundled model (SmolLM2-135M-Instruct, self:8 drafts):
#     quick profile -> sweep on it -> run the best plan beside its baselines -> validate a small grid
#     of plans (predicted vs measured) -> report. Prints where the report is. ~10 minutes on a 2-core VM.
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
L=out/loop
DEVS=cpu
./build/hetspec devices | grep -q '^cl:0' && DEVS=cpu,cl:0
echo "=== the loop on this machine ($DEVS) ==="
echo "--- 1. profile (quick)"
./build/hetspec profile --quick --models "$M" --devices "$DEVS" --out "$L/profile.yaml"
./build/hetspec profile --show "$L/profile.yaml" | head -40
echo "--- 2. sweep on the measured profile (acceptance of self:8 drafts on this untrained early exit: ~0.02)"
./build/hetspec sweep --soc "$L/profile.yaml" --target "$M" --draft self:8 --alpha 0.02 --max-gamma 8 --top 10 --out "$L/sweep"
echo "--- 3. run the best plan beside plain decoding"
./build/hetspec run --profile "$L/profile.yaml" --plan "$L/sweep/best-plan.yaml" --target "$M" --draft self:8 \
  --prompts configs/prompts/translation-en-de.jsonl --limit 4 --max-new 24 -q --out "$L/run"
echo "--- 4. validate a grid of plans: predicted vs measured"
./build/hetspec validate --profile "$L/profile.yaml" --target "$M" --draft self:8 \
  --prompts configs/prompts/translation-en-de.jsonl --gammas 0,1,2,4 --calibration 2 --held-out 2 --max-new 16 \
  --out "$L/report"
echo "report: $L/report/report.html (index.md, plans.csv, validation.json)"
