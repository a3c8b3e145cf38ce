#!/usr/bin/env bash
# Issue 12 on the H200 machine: the float GEMV's tile shape (gemv_lx work-items per row group,
# gemv_rows rows per group, gemv_groups groups per work-group) over a grid, Q4_1, m = 1: each Llama-1B
# layer matrix's own kernel time (bench-opencl test=gemv_shape, from the launches' events) and the
# layer pass, so a shape choice per matrix size can be read off. Expects .dev/hetspec and .dev/lib
# (scripts/device/pack.sh). Writes $OUT/gemv-grid.txt line by line (a timeout keeps what was measured).
set -u
OUT="${OUT:-out/h200-gemv-grid}"
. "$(dirname "$0")/env.sh"  # NVIDIA OpenCL, library path, $B, stamp
T="$OUT/gemv-grid.txt"
GPU=$(nvidia_gpu) || exit 2
{
  stamp "$($B --version); grid over gemv_lx / gemv_rows / gemv_groups, float GEMV, Q4_1, m = 1"
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv,noheader 2>&1
} | tee "$T"
for lx in 32 64 128; do
  for rows in 1 2 4 8; do
    for groups in 1 2 4; do
      tune "$STATE/grid.yaml" "gemv_q8: false" "gemv_lx: $lx" "gemv_rows: $rows" "gemv_groups: $groups"
      HETSPEC_CL_TUNING="$STATE/grid.yaml" $B bench-opencl --device "$GPU" --m 1 --dtypes q4_1 --reps 3 --no-head \
        --weights-mb 128 2>&1 | grep -E "test=gemv" | sed "s/^/lx=$lx rows=$rows groups=$groups /" | tee -a "$T"
    done
  done
done
stamp "done" | tee -a "$T"
