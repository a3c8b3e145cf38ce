#!/usr/bin/env bash
# Issue 12 on the H200 machine's 16-core Xeon: how finely a threaded CPU matmul should be split. Every
# chunk of rows is claimed and reported through two shared atomics; at 16 threads a SmolLM2 step runs
# ~7 000 chunks of ~0.2 µs of work each. Times `hetspec bench-forward` (decode tg 128 and the verify
# curve at m = 1, 2, 4, 8) on random-weight SmolLM2-135M Q4_1 and Llama-3.2-1B Q4_1 at THREADS (default
# "16 8") with HETSPEC_CPU_CHUNKS = CHUNKS (default "auto 8 4 2 1"; auto: unset, the engine's own rule,
# src/engine/cpu/matmul.cpp; 8 was the fixed count before it), ROUNDS rounds
# (default 3) with the settings in a rotated order each round. Writes $OUT/cpu-chunks.txt.
# Usage (one call, carry .dev/hetspec .dev/lib): OUT=$OUT/h200 bash scripts/device/h200-cpu-chunks.sh
set -u
OUT="${OUT:-out/h200-cpu-chunks}"
. "$(dirname "$0")/env.sh"
mkdir -p "$STATE/models"
THREADS="${THREADS:-16 8}"
CHUNKS="${CHUNKS:-auto 8 4 2 1}"
ROUNDS="${ROUNDS:-3}"
{
  stamp "cpu chunks: $(lscpu | grep 'Model name' | sed 's/  */ /g'), $($B --version)"
  for sd in smollm2-135m llama-3.2-1b; do
    f="$STATE/models/random-$sd-q4_1.gguf"
    [ -s "$f" ] || $B make-model --spec "configs/models/$sd.yaml" --seed 1 --dtype q4_1 --out "$f" >/dev/null
  done
  read -r -a cs <<< "$CHUNKS"
  for r in $(seq 1 "$ROUNDS"); do
    for sd in smollm2-135m llama-3.2-1b; do
      f="$STATE/models/random-$sd-q4_1.gguf"
      for t in $THREADS; do
        for i in "${!cs[@]}"; do
          c=${cs[$(( (i + r) % ${#cs[@]} ))]}
          env=(env HETSPEC_CPU_CHUNKS="$c"); [ "$c" = auto ] && env=(env -u HETSPEC_CPU_CHUNKS)
          line=$("${env[@]}" $B bench-forward -m "$f" -t "$t" --m 1,2,4,8 --reps 5 --tg 128 --json 2>/dev/null |
            python3 -c 'import json,sys; j=json.load(sys.stdin); r={p["m"]: p["us"] / 1000 for p in j["points"]}; print("tg %.1f tok/s  T1 %.3f ms  T2/T1 %.2f  T4/T1 %.2f  T8/T1 %.2f" % (j["tg"]["tokens_per_s"], r[1], r[2]/r[1], r[4]/r[1], r[8]/r[1]))' 2>&1)
          echo "round $r  $sd  threads $t  chunks $c  $line"
        done
      done
    done
  done
  stamp "done"
} 2>&1 | tee "$OUT/cpu-chunks.txt"
