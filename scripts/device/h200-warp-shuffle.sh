#!/usr/bin/env bash
# Issue 12 on the H200 machine: GEMV row sums by warp shuffles (tuning warp_shuffle: inline PTX
# shfl.sync) against the local-memory tree, in one call:
#   1. the OpenCL parity tests on the H200 with warp_shuffle on for the device's own tuning (the fused
#      matmul test adds shuffle tiles of 1, 2 and 4 warps per row group on NVIDIA devices);
#   2. bench-opencl per-matrix GEMV kernel times over Llama-1B layers, Q4_1 / Q4_0 / Q8_0 / F16, the
#      default (tree) against shuffle tiles;
#   3. decode (bench-forward --tg 128, m = 1, 4, 8) of random-weight Llama-3.2-1B Q4_1 / Q4_0 and
#      SmolLM2-135M Q4_1, tree against shuffle tiles, alternated run by run, three rounds.
# `h200-warp-shuffle.sh ab` instead: the parity tests under the device's defaults, then the verify
# curve (bench-forward m = 1..16, --tg 128) with the defaults (D: the GEMM's shuffles), no shuffles
# (N) and the defaults plus the GEMVs' (G), the order rotated each round, four rounds.
# `h200-warp-shuffle.sh final`: the verify curve, the defaults that followed against those before.
# `h200-warp-shuffle.sh maxmk`: where a few-token batch should switch from GEMVs to the (now faster)
# GEMM: gemv_max_mk 6144 (the default before), 4608 and 2048 on Llama-1B Q4_1 and Llama-3B Q4_0, m = 1..4.
# Expects .dev/hetspec, .dev/hetspec_tests and .dev/lib (scripts/device/pack.sh). Writes
# $OUT/warp-shuffle.txt line by line (a timeout keeps what was measured) and $OUT/tests.log.
set -u
OUT="${OUT:-out/h200-warp-shuffle}"
. "$(dirname "$0")/env.sh"
T="$OUT/warp-shuffle.txt"
GPU=$(nvidia_gpu) || exit 2
MD="$STATE/models"
CURVE="1,2,3,4,5,8,9,16"
case "${1:-grid}" in
  final)
    # The verify curve with the defaults that followed (D: GEMM shuffles, gemv_max_mk 4608, gemv_min_m 2)
    # against the defaults before them (O), alternated, three rounds.
    T="$OUT/warp-shuffle-final.txt"
    stamp "$($B --version); D = defaults, O = before (no shuffles, gemv_max_mk 6144, gemv_min_m 1)" | tee "$T"
    tune "$STATE/D.yaml" "gemv_q8: false"
    tune "$STATE/O.yaml" "gemm_warp_shuffle: false" "gemv_max_mk: 6144" "gemv_min_m: 1"
    make_random_models "$MD" llama-3.2-1b:q4_1 llama-3.2-1b:q4_0 llama-3.2-3b:q4_0
    rounds "D O|O D|D O" "random-llama-3.2-1b-q4_1 random-llama-3.2-1b-q4_0 random-llama-3.2-3b-q4_0" --m "$CURVE" --reps 10
    exit 0 ;;
  maxmk)
    T="$OUT/warp-shuffle-maxmk.txt"
    stamp "$($B --version); gemv_max_mk 6144 / 4608 / 2048 (batches of m tokens as GEMVs while m * d_model <= it)" | tee "$T"
    for k in 6144 4608 2048; do tune "$STATE/K$k.yaml" "gemv_max_mk: $k"; done
    make_random_models "$MD" llama-3.2-1b:q4_1 llama-3.2-3b:q4_0
    rounds "K6144 K4608 K2048|K4608 K2048 K6144|K2048 K6144 K4608" "random-llama-3.2-1b-q4_1 random-llama-3.2-3b-q4_0" \
      --m 1,2,3,4 --reps 15
    exit 0 ;;
  ab)
    T="$OUT/warp-shuffle-ab.txt"
    stamp "$($B --version); D = defaults, N = no shuffles, G = defaults + GEMV shuffles" | tee "$T"
    cl_parity_tests "$GPU" "[opencl]~[smollm2]" "$OUT/tests-ab.log" | tee -a "$T"
    tune "$STATE/D.yaml" "gemv_q8: false"
    tune "$STATE/N.yaml" "gemm_warp_shuffle: false"
    tune "$STATE/G.yaml" "warp_shuffle: true"
    make_random_models "$MD" llama-3.2-1b:q4_1 llama-3.2-1b:q4_0 smollm2-135m:q4_1
    rounds "D N G|N G D|G D N|D G N" "random-llama-3.2-1b-q4_1 random-llama-3.2-1b-q4_0 random-smollm2-135m-q4_1" \
      --m "$CURVE" --reps 10 --tg 128
    exit 0 ;;
esac
{
  stamp "$($B --version); warp_shuffle vs the local-memory tree"
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv,noheader 2>&1
} | tee "$T"

# Tunings: A = NVIDIA's defaults (tree); S* = shuffles with a tile (lx rows groups); Q = the integer-dot GEMV.
tune "$STATE/A.yaml" "gemv_q8: false"
tune "$STATE/S64.yaml" "warp_shuffle: true"  # the default tile, 64 / 2 / 2: two warps per row group
tune "$STATE/S32.yaml" "warp_shuffle: true" "gemv_lx: 32" "gemv_rows: 2" "gemv_groups: 4"
tune "$STATE/S32r1.yaml" "warp_shuffle: true" "gemv_lx: 32" "gemv_rows: 1" "gemv_groups: 4"
tune "$STATE/S32r4.yaml" "warp_shuffle: true" "gemv_lx: 32" "gemv_rows: 4" "gemv_groups: 2"
tune "$STATE/S128.yaml" "warp_shuffle: true" "gemv_lx: 128" "gemv_rows: 1" "gemv_groups: 1"
tune "$STATE/Q.yaml" "warp_shuffle: true" "gemv_q8: true" "gemvq_lx: 32" "gemvq_rows: 4" "gemvq_groups: 8"

stamp "1. OpenCL parity tests, warp_shuffle on (HETSPEC_CL_TUNING=S64)" | tee -a "$T"
HETSPEC_CL_TUNING="$STATE/S64.yaml" cl_parity_tests "$GPU" "[opencl]~[smollm2]" "$OUT/tests.log" | tee -a "$T"

stamp "2. bench-opencl, per-matrix kernel times" | tee -a "$T"
for v in A S64 S32 S32r1 S32r4 S128 Q; do
  HETSPEC_CL_TUNING="$STATE/$v.yaml" timeout 120 $B bench-opencl --device "$GPU" --m 1 --dtypes q4_1,q4_0,q8_0,f16 \
    --reps 3 --no-head --weights-mb 128 2>&1 | grep -E "test=(gemv|copy|launch)" | sed "s/^/$v /" | tee -a "$T"
done

stamp "3. decode, alternated" | tee -a "$T"
make_random_models "$MD" llama-3.2-1b:q4_1 llama-3.2-1b:q4_0 smollm2-135m:q4_1
rounds "A S64 S32 S32r4|A S64 S32 S32r4|A S64 S32 S32r4" \
  "random-llama-3.2-1b-q4_1 random-llama-3.2-1b-q4_0 random-smollm2-135m-q4_1" --m 1,4,8 --reps 10 --tg 128
