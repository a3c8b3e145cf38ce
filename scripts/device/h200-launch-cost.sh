#!/usr/bin/env bash
# Issue 12 on the H200 machine: where a Llama-1B layer's GEMV time goes. A layer's matrices (0.7-10 MB)
# would stream in 0.2-3 us at the copy bandwidth, but bench-opencl's layer set takes ~14 us per launch
# with either GEMV kernel (docs/runs/h200-gemv-q8.md). One call (~2 minutes once the models exist):
#   - the device's OpenCL extensions (is there a command-buffer / graph replay path?);
#   - bench-opencl per matrix shape (event kernel time of each of the layer's 7 GEMVs), float GEMV
#     and gemv_q8, with the SM clock sampled meanwhile (nvidia-smi dmon);
#   - the OpenCL parity tests of the integer-dot GEMV on the H200 (its own tunings) and the whole
#     OpenCL suite under the defaults; the full log as $OUT/tests.txt.
# Expects .dev/hetspec, .dev/lib, .dev/hetspec_tests. Writes $OUT/launch-cost.txt.
set -u
OUT="${OUT:-out/h200-launch-cost}"
. "$(dirname "$0")/env.sh"  # NVIDIA OpenCL, library path, $B, stamp
MD="$STATE/models"
mkdir -p "$MD"
T="$OUT/launch-cost.txt"
{
  stamp "$($B --version)"
  GPU=$(nvidia_gpu) || exit 2
  echo "extensions of $GPU:"
  $B devices --json | tr -d '",' | awk '/extensions:/ {for (i = 2; i <= NF; ++i) print "  " $i}' | sort -u | head -80
  nvidia-smi dmon -s pc -d 1 > "$STATE/dmon.txt" 2>&1 &
  DMON=$!
  tune "$STATE/float.yaml" "gemv_q8: false"
  tune "$STATE/q8.yaml" "gemv_q8: true" "gemvq_lx: 32" "gemvq_rows: 4" "gemvq_groups: 8"
  for v in float q8 float q8; do
    stamp "bench-opencl per shape: $v"
    HETSPEC_CL_TUNING="$STATE/$v.yaml" $B bench-opencl --device "$GPU" --m 1,4 --dtypes q4_1,q8_0 --reps 9 --no-head 2>&1 |
      grep -E "test=(launch|gemv|gemm)" | sed 's/^/  /'
  done
  make_random_models "$MD" llama-3.2-1b:q4_1
  for v in float q8; do
    stamp "bench-forward Llama-1B Q4_1, $v"
    HETSPEC_CL_TUNING="$STATE/$v.yaml" $B bench-forward -m "$MD/random-llama-3.2-1b-q4_1.gguf" --device "$GPU" --m 1 \
      --reps 50 --tg 256 2>&1 | tail -3
  done
  kill $DMON 2>/dev/null
  stamp "SM clock / power while measuring (nvidia-smi dmon, 1 s samples)"
  cat "$STATE/dmon.txt"
  stamp "OpenCL parity tests on $GPU: the integer-dot GEMV, then the whole suite (defaults)"
  cl_parity_tests "$GPU" "OpenCL integer-dot GEMV*,OpenCL fused matmul*" "$OUT/tests.txt"
  cl_parity_tests "$GPU" "[opencl]~[smollm2]" "$OUT/tests.txt"
  stamp "done"
} 2>&1 | tee "$T"
