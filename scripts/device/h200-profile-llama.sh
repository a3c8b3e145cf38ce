#!/usr/bin/env bash
# The H200 machine's quick profile for Llama-3.2-1B / 3B plans (profiles/h200-xeon16-llama-3b-1b-quick.yaml):
# random-weight Q4_0 files of both (made there; timings do not depend on the weights' values), measured on
# the Xeon and the H200 through NVIDIA's OpenCL with the engine's current kernels (re-run it when a
# kernel or a tuning default moves: the 2026-12-01 profile priced 1B / 3B verifies at the float GEMM's curve,
# before gemm_q8). Expects .dev/{hetspec,lib} (scripts/device/pack.sh). Writes $OUT/h200-profile-llama.yaml (its name: h200-profile-llama)
# and $OUT/profile-llama.log. About 4 minutes. Usage: OUT=... scripts/device/h200-profile-llama.sh
set -u
OUT="${OUT:-out/h200-profile-llama}"
. "$(dirname "$0")/env.sh"
MD="$STATE/models"
make_random_models "$MD" llama-3.2-3b:q4_0 llama-3.2-1b:q4_0
GPU=$(nvidia_gpu)
{
  stamp "quick profile: random Llama-3.2-3B / 1B Q4_0 on cpu and $GPU, commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  $B profile --out "$OUT/h200-profile-llama.yaml" \
    --models "$MD/random-llama-3.2-3b-q4_0.gguf,$MD/random-llama-3.2-1b-q4_0.gguf" --devices "cpu,$GPU" \
    --quick --budget "${BUDGET:-150}" --rounds 1 2>&1 | grep -v '^\[' | tail -5
  stamp "done"
} 2>&1 | tee "$OUT/profile-llama.log"
