#!/usr/bin/env bash
# Issue 12 on the H200 machine: the verify curve T(m)/T(1), m = 1..9, of the fused OpenCL layer
# under tunings that differ in how a few-token batch runs: the GEMM or m GEMVs in one launch
# (gemv_max_m), with RMSNorm / SwiGLU folded into the matmuls or not (fuse_inputs_max_m / _mk), on
# random-weight SmolLM2-135M (Q4_1), Llama-3.2-1B (Q4_1) and Llama-3.2-3B (Q4_0) made there;
# tunings alternate run by run. Runs the OpenCL parity tests on the H200 first. Expects
# .dev/{hetspec,hetspec_tests,lib}. Writes $OUT/fuse-batch.txt. ~5 min.
set -u
OUT="${OUT:-out/h200-fuse-batch}"
. "$(dirname "$0")/env.sh"  # NVIDIA OpenCL, library path, $B (= .dev/hetspec), stamp
MD="$STATE/models"
mkdir -p "$MD"
GPU=$($B devices | awk '/^cl:[0-9]+/ && /NVIDIA|H200/ {print $1; exit}')
tune() { printf 'devices:\n  - match: "*"\n%b' "$2" > "$STATE/tune-$1.yaml"; }
tune gemm "    gemv_max_m: 1\n    fuse_inputs_max_m: 1\n"
tune gemm-fold "    gemv_max_m: 1\n    fuse_inputs_max_m: 8\n    fuse_inputs_max_mk: 1000000\n"
tune gemv4-fold "    gemv_max_m: 4\n    fuse_inputs_max_m: 8\n    fuse_inputs_max_mk: 1000000\n"
tune gemv8-fold "    gemv_max_m: 8\n    fuse_inputs_max_m: 8\n    fuse_inputs_max_mk: 1000000\n"
tune gemv8 "    gemv_max_m: 8\n    fuse_inputs_max_m: 1\n"
TUNINGS="gemm gemm-fold gemv4-fold gemv8-fold gemv8"
{
  stamp "$($B --version); GPU $GPU"
  if [ -x .dev/hetspec_tests ]; then
    stamp "OpenCL parity tests on $GPU (the CLI cases need build/hetspec, absent here)"
    HETSPEC_TEST_CL_DEVICE="$GPU" .dev/hetspec_tests "[opencl]~[smollm2]~[cli]" -r compact 2>&1 | grep -v passed | tail -20
  fi
  for sd in smollm2-135m:q4_1 llama-3.2-1b:q4_1 llama-3.2-3b:q4_0; do
    f="$MD/random-${sd%:*}-${sd#*:}.gguf"
    [ -s "$f" ] || $B make-model --spec "configs/models/${sd%:*}.yaml" --seed 1 --dtype "${sd#*:}" --out "$f" >/dev/null
  done
  stamp "models made"
  for mf in random-smollm2-135m-q4_1 random-llama-3.2-1b-q4_1 random-llama-3.2-3b-q4_0; do
    for rep in 1 2; do
      for tn in $TUNINGS; do
        printf '%-10s rep %s %-26s ' "$tn" "$rep" "$mf"
        $B bench-forward -m "$MD/$mf.gguf" --device "$GPU" --m 1-9 --reps 15 --warmup 3 \
          --cl-tuning "$STATE/tune-$tn.yaml" 2>&1 |
          awk '/^ +[0-9]+ / {printf "%s:%s ", $1, $2} END {print ""}'
      done
    done
  done
  stamp done
} 2>&1 | tee "$OUT/fuse-batch.txt"
