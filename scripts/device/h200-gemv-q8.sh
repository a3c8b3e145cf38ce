#!/usr/bin/env bash
# Issue 12 on the H200 machine: the integer-dot GEMV for quantized weights (gemv_q8.cl) against the
# float GEMV it replaces, in one call (~4 minutes once the models exist). Expects .dev/hetspec,
# .dev/lib and .dev/hetspec_tests (scripts/device/pack.sh). Random-weight models are made there.
# Writes $OUT/gemv-q8.txt:
#   - the OpenCL parity tests on the H200 (gemv_q8 on by default there: every quantized GEMV and fused
#     forward of the suite runs through it, with inline-PTX dp4a);
#   - bench-opencl GEMV bandwidth over a Llama-1B layer set and the LM head, as a fraction of the copy
#     bandwidth: float GEMV (gemv_q8: false) and gemv_q8 under a few tile shapes (lx, rows, groups);
#   - bench-forward (m = 1..16) and 128-token decode (--tg) with gemv_q8 off and on, alternated run by
#     run, on SmolLM2-135M Q4_1 and Llama-3.2-1B Q4_1 / Q4_0 / Q8_0.
set -u
OUT="${OUT:-out/h200-gemv-q8}"
. "$(dirname "$0")/env.sh"  # NVIDIA OpenCL, library path, $B, stamp
MD="$STATE/models"
mkdir -p "$MD"
T="$OUT/gemv-q8.txt"
{
  stamp "$($B --version)"
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv,noheader 2>&1
  GPU=$(nvidia_gpu) || exit 2
  make_random_models "$MD" smollm2-135m:q4_1 llama-3.2-1b:q4_1 llama-3.2-1b:q4_0 llama-3.2-1b:q8_0
  stamp "OpenCL parity tests on $GPU"
  cl_parity_tests "$GPU" "[opencl]~[smollm2]"
  tune "$STATE/float.yaml" "gemv_q8: false"
  stamp "bench-opencl: float GEMV (gemv_q8: false)"
  HETSPEC_CL_TUNING="$STATE/float.yaml" $B bench-opencl --device "$GPU" --m 1 --dtypes q4_1,q4_0,q8_0 --reps 5 2>&1 |
    grep -E "test=(copy|launch|gemv)" | sed 's/^/  /'
  for shape in "32 4 4" "32 2 4" "32 8 2" "32 4 2" "64 4 2" "16 4 8" "32 4 8" "32 2 8"; do
    set -- $shape
    tune "$STATE/q8.yaml" "gemv_q8: true" "gemvq_lx: $1" "gemvq_rows: $2" "gemvq_groups: $3"
    stamp "bench-opencl: gemv_q8 lx $1 rows $2 groups $3"
    HETSPEC_CL_TUNING="$STATE/q8.yaml" $B bench-opencl --device "$GPU" --m 1 --dtypes q4_1,q4_0,q8_0 --reps 5 2>&1 |
      grep -E "test=gemv" | sed 's/^/  /'
  done
  stamp "bench-forward and decode: float GEMV (A) vs gemv_q8 (B, the default), alternated"
  tune "$STATE/q8.yaml" "gemv_q8: true"
  for rep in 1 2; do
    for mf in random-smollm2-135m-q4_1 random-llama-3.2-1b-q4_1 random-llama-3.2-1b-q4_0 random-llama-3.2-1b-q8_0; do
      for v in A B; do
        f="$STATE/float.yaml"
        [ "$v" = B ] && f="$STATE/q8.yaml"
        printf '%s rep %s %-28s ' "$v" "$rep" "$mf"
        HETSPEC_CL_TUNING="$f" $B bench-forward -m "$MD/$mf.gguf" --device "$GPU" --m 1,2,4,8,16 --reps 20 --tg 128 2>&1 |
          awk '/^ +[0-9]+ / {printf "m=%s %s ms; ", $1, $2} /^tg/ {printf "%s tok/s", $(NF-1)} END {print ""}'
      done
    done
  done
  stamp "done"
} 2>&1 | tee "$T"
