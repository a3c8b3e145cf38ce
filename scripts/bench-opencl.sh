#!/usr/bin/env bash
# OpenCL device microbenchmark, one command: builds hetspec if needed, then for every OpenCL device
# (or $1, e.g. cl:0) prints key=value lines: copy bandwidth, launch + clFinish latency, host <->
# device transfers, GEMV/GEMM bandwidth on Llama-3.2-1B-shaped layers for Q4_1 / Q8_0 / F16
# (m = 1, 2, 4, 8, 16 tokens) and a single LM-head GEMV. Extra arguments go to `hetspec bench-opencl`
# (--json for JSON, --weights-mb, --reps, --dtypes, --m, --no-head).
# On an NVIDIA machine the ICD needs /etc/OpenCL/vendors/nvidia.icd containing libnvidia-opencl.so.1
# (or OCL_ICD_VENDORS pointing at a directory with such a file).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x "${HETSPEC_BUILD_DIR:-build}/hetspec" ] || bash scripts/build.sh hetspec >&2
DEV="${1:-all}"
shift || true
exec "${HETSPEC_BUILD_DIR:-build}/hetspec" bench-opencl --device "$DEV" --m 1,2,4,8,16 "$@"
