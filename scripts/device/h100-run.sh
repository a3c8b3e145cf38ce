#!/usr/bin/env bash
# Issue 4's run on the H100 machine (16-core Xeon + H100 through NVIDIA OpenCL), one command:
#   hetspec devices; OpenCL parity tests on every OpenCL device (incl. the real SmolLM2 file);
#   CPU forward parity on that Xeon; decode tokens/s of SmolLM2-135M Q4_1 per device plan;
#   bench-opencl (GEMV bandwidth vs copy bandwidth, launch, transfers).
# Expects the binaries in .dev/ (hetspec, hetspec_tests, lib/libyaml-cpp.so.0.7) built on the dev machine
# and the model at $HETSPEC_MODEL. Writes $OUT/h100-run.txt. The binaries bake in /work/main as their
# source dir, so the working copy is linked there.
set -u
OUT="${OUT:-out/h100}"
mkdir -p "$OUT" /etc/OpenCL/vendors
echo libnvidia-opencl.so.1 > /etc/OpenCL/vendors/nvidia.icd
export LD_LIBRARY_PATH="$PWD/.dev/lib:${LD_LIBRARY_PATH:-}"
mkdir -p /work
[ -e /work/main ] || ln -s "$PWD" /work/main
mkdir -p build && cp .dev/hetspec .dev/hetspec_tests build/
B=./build/hetspec
M="$HETSPEC_MODEL"
PROMPT="Translate to French: The cat sleeps on the mat because the afternoon sun is warm."
{
  echo "# hetspec H100 run, $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1
  echo "## model"; sha256sum "$M"
  echo "## hetspec devices"; $B devices
  mapfile -t CL < <($B devices | awk '/^cl:[0-9]+/ {print $1}')
  for d in "${CL[@]}"; do
    echo "## parity tests on $d: hetspec_tests \"[opencl]\""
    HETSPEC_TEST_CL_DEVICE=$d ./build/hetspec_tests "[opencl]" 2>&1 | tail -4
  done
  echo "## CPU forward / kernels parity on this host: hetspec_tests \"[forward],[kernels]\""
  ./build/hetspec_tests "[forward],[kernels]" 2>&1 | tail -4
  echo "## decode: hetspec generate --model SmolLM2-135M-Instruct.Q4_1.gguf --prompt \"$PROMPT\" --n 128 --ignore-eos"
  plans=("cpu -t 1" "cpu -t 16")
  for d in "${CL[@]}"; do plans+=("$d -t 1" "cpu:0-11,$d:12-29 -t 16" "$d:0-14,cpu:15-29 -t 16"); done
  for p in "${plans[@]}"; do
    set -- $p
    echo "== --device $1 $2 $3"
    for rep in 1 2 3; do $B generate --model "$M" --prompt "$PROMPT" --n 128 --ignore-eos --device "$1" $2 $3 2>&1 >/dev/null | tail -1; done
  done
  echo "## greedy ids per device plan (OpenCL plans agree with each other and with the CPU f32-activation mode; the CPU fast path quantizes activations to 8 bits like llama.cpp, so it may part at a near-tie)"
  for p in "${plans[@]}"; do
    set -- $p
    echo "$1: $($B generate --model "$M" --prompt "$PROMPT" --n 24 --print-ids --device "$1" $2 $3 2>/dev/null | tr '\n' ' ')"
  done
  echo "## bench-opencl --m 1,4,16 --reps 10"
  $B bench-opencl --m 1,4,16 --reps 10 2>&1
} 2>&1 | tee "$OUT/h100-run.txt"
