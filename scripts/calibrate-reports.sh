#!/usr/bin/env bash
# Re-predicts the committed validation runs with today's cost model (repredicted/runN) and calibrates
# them (hetspec calibrate: fit on every other measured plan of run 1, score on the rest; run 2
# re-predicted with the calibrated profile, calibrated/runN):
#   reports/h200/a/               H200 machine, SmolLM2-135M + the shipped draft (51 plans, runs 1 and 2)
#   reports/h200/b/               H200 machine, timing mode, random Llama-3.2-3B + 1B (51 plans, runs 1 and 2)
#   reports/dev-amd-epyc-2core/a/ this 2-core VM, SmolLM2-135M + the shipped draft, cpu + PoCL (runs 1, 2)
#   reports/dev-amd-epyc-2core/b/ this 2-core VM, timing mode, random Llama-3.2-3B + 1B (51 plans, run 1)
# Their profiles were measured before `hetspec profile` recorded the OpenCL matmul's GEMM tiles; the
# re-predictions add them from the tuning those runs used (scripts/run/add-gemm-tiles.sh; NVIDIA:
# tiles of 4 past min(8, 6144 / d_model) GEMV tokens, PoCL: tiles of 4 from m = 2) as profile-tiles.yaml.
# The traces name model paths of the machine that ran them: the SmolLM2 GGUF is fetched here, the
# random Llama files are replaced by their configs/models specs (same shapes, same names).
set -euo pipefail
cd "$(dirname "$0")/.."
M=$(bash scripts/fetch-models.sh)
D=models/smollm2-135m-draft.gguf
T3=configs/models/llama-3.2-3b.yaml
D1=configs/models/llama-3.2-1b.yaml
H=./build/hetspec
one() {  # DIR TILE_ARGS TARGET DRAFT
  local dir=$1 tiles=$2 t=$3 d=$4
  scripts/run/add-gemm-tiles.sh "$dir/profile.yaml" "$dir/profile-tiles.yaml" cl:0 $tiles
  second=""
  for r in 1 2; do
    [ -d "$dir/run$r" ] || continue
    $H report "$dir/run$r" --repredict "$dir/profile-tiles.yaml" --target "$t" --draft "$d" $second \
      --out "$dir/repredicted/run$r" | tail -1
    second="--second-run $dir/run1"
  done
  $H calibrate --profile "$dir/profile-tiles.yaml" --traces "$dir/run1" --target "$t" --draft "$d" \
    --out "$dir/calibrated/profile.yaml" --report "$dir/calibrated/run1" | sed -n '/held-out plans/,/regret/p'
  if [ -d "$dir/run2" ]; then
    $H report "$dir/run2" --repredict "$dir/calibrated/profile.yaml" --target "$t" --draft "$d" \
      --second-run "$dir/run1" --out "$dir/calibrated/run2" | tail -1
  fi
}
one reports/h200/a "4 8 6144" "$M" "$D"
one reports/h200/b "4 8 6144" "$T3" "$D1"
one reports/dev-amd-epyc-2core/a "4 1" "$M" "$D"
one reports/dev-amd-epyc-2core/b "4 1" "$T3" "$D1"
