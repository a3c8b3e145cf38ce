#!/usr/bin/env bash
# The main job, end to end: install, build, then sweep the default model pair (Llama-3.2-3B target,
# Llama-3.2-1B draft) on every bundled SoC description, printing ranked plans and writing results
# under out/sweeps/<soc>/.
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
