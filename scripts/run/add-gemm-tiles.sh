#!/usr/bin/env bash
# Adds the OpenCL PU's matmul batching (gemm_m_tile, gemv_batch_max_m / _mk) to a profile measured
# before `hetspec profile` recorded it (before 2026-12-01), from the tuning the engine ran with:
#   scripts/run/add-gemm-tiles.sh IN OUT PU TILE GEMV_M [GEMV_MK]
#   NVIDIA GPUs: 4 8 6144; PoCL and other CPU devices: 4 1   (include/hetspec/engine/opencl/tuning.hpp)
set -euo pipefail
awk -v pu="$3" -v tile="$4" -v gm="$5" -v gmk="${6:-0}" '
  /^  - id:/ { inpu = ($3 == pu) }
  { print }
  inpu && /^    launches_head:/ { print "    gemm_m_tile: " tile; print "    gemv_batch_max_m: " gm; if (gmk > 0) print "    gemv_batch_max_mk: " gmk }
' "$1" > "$2"
