#!/usr/bin/env bash
# Issue 12 on the H200 machine: the verify curve T(m)/T(1) of the fused OpenCL layer with RMSNorm /
# SwiGLU folded into the GEMM for batches up to fuse_inputs_max_m tokens (1: one-token forwards
# only, the old rule; 4; 16), on random-weight SmolLM2-135M, Llama-3.2-1B (Q4_1, Q4_0) and
# Llama-3.2-3B (Q4_0) made there; tunings alternate run by run. Also runs the OpenCL parity tests
# on the H200 first. Expects .dev/{hetspec,hetspec_tests,lib}. Writes $OUT/fuse-batch.txt. ~6 min.
set -u
OUT="${OUT:-out/h200-fuse-batch}"
. "$(dirname "$0")/env.sh"  # NVIDIA OpenCL, library path, $B (= .dev/hetspec), stamp
MD="$STATE/models"
mkdir -p "$MD"
GPU=$($B devices | awk '/^cl:[0-9]+/ && /NVIDIA|H200/ {print $1; exit}')
for n in 1 4 16; do
  printf 'devices:\n  - match: "*"\n    fuse_inputs_max_m: %s\n' "$n" > "$STATE/maxm$n.yaml"
done
{
  stamp "$($B --version); GPU $GPU"
  if [ -x .dev/hetspec_tests ]; then
    stamp "OpenCL parity tests on $GPU"
    HETSPEC_TEST_CL_DEVICE="$GPU" .dev/hetspec_tests "[opencl]~[smollm2]" 2>&1 | tail -3
  fi
  for sd in smollm2-135m:q4_1 llama-3.2-1b:q4_1 llama-3.2-1b:q4_0 llama-3.2-3b:q4_0; do
    f="$MD/random-${sd%:*}-${sd#*:}.gguf"
    [ -s "$f" ] || $B make-model --spec "configs/models/${sd%:*}.yaml" --seed 1 --dtype "${sd#*:}" --out "$f" >/dev/null
  done
  stamp "models made"
  for mf in random-smollm2-135m-q4_1 random-llama-3.2-1b-q4_1 random-llama-3.2-1b-q4_0 random-llama-3.2-3b-q4_0; do
    for rep in 1 2; do
      for n in 1 4 16; do
        printf 'max_m=%-2s rep %s %-26s ' "$n" "$rep" "$mf"
        $B bench-forward -m "$MD/$mf.gguf" --device "$GPU" --m 1-9,12,16 --reps 15 --warmup 3 \
          --cl-tuning "$STATE/maxm$n.yaml" 2>&1 |
          awk '/^ +[0-9]+ / {printf "%s:%s ", $1, $2} END {print ""}'
      done
    done
  done
  stamp done
} 2>&1 | tee "$OUT/fuse-batch.txt"
