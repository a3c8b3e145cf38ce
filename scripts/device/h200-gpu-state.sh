#!/usr/bin/env bash
# Why the H200's whole forward measured inside `hetspec profile` (3.2 ms, SmolLM2-135M, m = 1) is
# faster than the same forward measured by `profile --check` a minute later (4.8 ms) and than the
# executor's plain decoding on it (3.6-3.9 ms/token in the validations): the same forward measured
# in different states (fresh process; right after the CPU's forwards; right after heavy GPU work),
# the executor's decode (hetspec generate), with the GPU's SM clock sampled every 100 ms throughout.
# Expects .dev/hetspec, .dev/lib and profiles/stability/h200-quick-rounds-1.yaml. Writes
# $OUT/h200-gpu-state.txt and $OUT/clocks.csv.
set -u
OUT="${OUT:-out/h200-gpu-state}"
. "$(dirname "$0")/env.sh"  # NVIDIA OpenCL, library path, $B
P=profiles/stability/h200-quick-rounds-1.yaml
M=/tmp/smollm2-135m-q4_1-seed1.gguf
nvidia-smi --query-gpu=timestamp,clocks.sm,clocks.mem,pstate,utilization.gpu --format=csv -lms 100 > "$OUT/clocks.csv" 2>&1 &
SMI=$!
{
  [ -f "$M" ] || $B make-model --spec configs/models/smollm2-135m.yaml --seed 1 --dtype q4_1 --out "$M" >/dev/null
  for i in 1 2 3; do
    stamp "A$i: fresh process, cl:0 only"
    $B profile --check "$P" --models "$M" --devices cl:0 --check-m 1,4 --check-n 64 | grep -E "^smollm2"
  done
  stamp "B: after the CPU's forwards (cpu then cl:0, one process)"
  $B profile --check "$P" --models "$M" --devices cpu,cl:0 --check-m 1,4 --check-n 64 | grep -E "^smollm2"
  stamp "C: the executor's decode on cl:0 (hetspec generate, 3 runs)"
  for i in 1 2 3; do $B generate --model "$M" --prompt "The history of the city" --n 64 --device cl:0 2>&1 | grep -o "decode: .*tokens/s)"; done
  stamp "D: the executor's decode on cpu, 16 threads"
  $B generate --model "$M" --prompt "The history of the city" --n 64 --device cpu 2>&1 | grep -o "decode: .*tokens/s)"
  stamp "E: cl:0 right after a 3 s GPU load (bench-opencl)"
  $B bench-opencl --device cl:0 --m 1,4,16 >/dev/null 2>&1
  $B profile --check "$P" --models "$M" --devices cl:0 --check-m 1,4 --check-n 64 | grep -E "^smollm2"
  stamp end
} 2>&1 | tee "$OUT/h200-gpu-state.txt"
kill $SMI
