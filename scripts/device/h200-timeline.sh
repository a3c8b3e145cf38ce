#!/usr/bin/env bash
# Issue 12 on the H200 machine, one call: where a one-token forward's time goes. bench-forward
# --kernel-times (every OpenCL launch of 64 decode steps timed by its profiling event: launches per
# step, GPU busy time, time per launch, first-to-last-kernel span, host wall time) on random-weight
# Llama-3.2-1B Q4_1 / Q4_0 and SmolLM2-135M Q4_1, with the defaults and (1B Q4_1) with the SwiGLU
# epilogue off, two rounds; the decode rate (--tg 128) of each run beside it.
# Expects .dev/hetspec and .dev/lib (scripts/device/pack.sh). Writes $OUT/timeline.txt.
set -u
OUT="${OUT:-out/h200-timeline}"
. "$(dirname "$0")/env.sh"
T="$OUT/timeline.txt"
GPU=$(nvidia_gpu) || exit 2
MD="$STATE/models"
stamp "$($B --version); GPU $GPU" | tee "$T"
make_random_models "$MD" llama-3.2-1b:q4_1 llama-3.2-1b:q4_0 smollm2-135m:q4_1
tune "$STATE/D.yaml" "glu_epilogue: true"
tune "$STATE/A.yaml" "glu_epilogue: false"
for rep in 1 2; do
  for run in D:random-llama-3.2-1b-q4_1 A:random-llama-3.2-1b-q4_1 D:random-llama-3.2-1b-q4_0 D:random-smollm2-135m-q4_1; do
    v=${run%%:*}; mf=${run#*:}
    stamp "rep $rep, $v, $mf" | tee -a "$T"
    HETSPEC_CL_TUNING="$STATE/$v.yaml" timeout 120 $B bench-forward -m "$MD/$mf.gguf" --device "$GPU" --m 1 --reps 20 \
      --tg 128 --kernel-times 64 2>&1 | tee -a "$T"
  done
done
stamp "end" | tee -a "$T"
