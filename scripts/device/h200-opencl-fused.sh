#!/usr/bin/env bash
# Issue 12 on the H200 machine: what the fused OpenCL layer buys there, and where the GPU forward's
# time goes. One call (~4 minutes after the models exist). Expects .dev/hetspec, .dev/lib and, for the
# parity tests, .dev/hetspec_tests (scripts/device/pack.sh). Random-weight models are made there
# (timings do not depend on the weights' values). Writes under $OUT/opencl-fused.txt:
#   - the OpenCL parity tests on the H200 (every kernel vs the scalar reference, fused and op-by-op
#     forwards vs the CPU forward), the models that need the real SmolLM2 left out;
#   - bench-forward on the H200, fused (default) and op by op (tuning fuse_layers: false), m = 1..16,
#     and the kernel launches per layer the profile counts for each;
#   - decode tokens/s (generate, 128 tokens) fused and op by op;
#   - bench-opencl GEMV/GEMM bandwidth against the copy bandwidth under a few gemv tile shapes.
set -u
OUT="${OUT:-out/h200-opencl-fused}"
. "$(dirname "$0")/env.sh"  # NVIDIA OpenCL, library path, $B, stamp
MD="$STATE/models"
mkdir -p "$MD"
T="$OUT/opencl-fused.txt"
{
  stamp "$($B --version)"
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv,noheader 2>&1
  $B devices
  GPU=$(nvidia_gpu) || exit 2
  make_random_models "$MD" smollm2-135m:q4_1 llama-3.2-1b:q4_1 llama-3.2-1b:q4_0 llama-3.2-1b:q8_0
  stamp "OpenCL parity tests on $GPU"
  cl_parity_tests "$GPU" "[opencl]~[smollm2]"
  tune "$STATE/nofuse.yaml" "fuse_layers: false"
  tune "$STATE/nofuse-in.yaml" "fuse_inputs: false"
  for mf in random-smollm2-135m-q4_1 random-llama-3.2-1b-q4_1 random-llama-3.2-1b-q4_0 random-llama-3.2-1b-q8_0; do
    for variant in fused nofuse-in nofuse; do
      tun=""
      [ "$variant" = fused ] || tun="--cl-tuning $STATE/$variant.yaml"
      stamp "bench-forward $mf on $GPU, $variant"
      # shellcheck disable=SC2086
      $B bench-forward -m "$MD/$mf.gguf" --device "$GPU" --m 1,2,4,8,16 --reps 30 --warmup 3 $tun 2>&1 | tail -6
      # shellcheck disable=SC2086
      $B generate --model "$MD/$mf.gguf" --device "$GPU" --prompt "Once upon a time" --n 128 --ignore-eos $tun 2>&1 >/dev/null |
        grep -E "decode:"
    done
  done
  stamp "launches per layer (profile of the forward, fused vs op by op)"
  for variant in fused nofuse; do
    tun=""
    [ "$variant" = fused ] || tun="--cl-tuning $STATE/$variant.yaml"
    # shellcheck disable=SC2086
    HETSPEC_CL_TUNING="${tun#--cl-tuning }" $B profile --quick --rounds 1 --models "$MD/random-smollm2-135m-q4_1.gguf" \
      --devices "$GPU" --out "$STATE/prof-$variant.yaml" --model-cache "$STATE" >/dev/null 2>&1
    echo "$variant: $(grep -E 'launches_per_layer|launch_us|launch_gap' "$STATE/prof-$variant.yaml" | tr -s ' ' | tr '\n' ' ')"
  done
  stamp "bench-opencl under gemv tile shapes (lx, rows, groups)"
  for shape in "64 2 2" "32 4 2" "64 4 2" "128 2 1" "32 8 1" "128 4 1"; do
    set -- $shape
    tune "$STATE/gemv.yaml" "gemv_lx: $1" "gemv_rows: $2" "gemv_groups: $3"
    echo "### gemv_lx $1 gemv_rows $2 gemv_groups $3"
    HETSPEC_CL_TUNING="$STATE/gemv.yaml" $B bench-opencl --device "$GPU" --m 1,8 --dtypes q4_1,q4_0,q8_0,f16 --reps 5 2>&1 |
      grep -E "test=(copy|launch|gemv|gemm)" | sed 's/^/  /'
  done
  stamp "done"
} 2>&1 | tee "$T"
