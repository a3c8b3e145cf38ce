#!/usr/bin/env bash
# Overlapped plans on the H200 machine: does the CPU side starve the OpenCL host thread that enqueues
# the GPU side's launches? Runs draft and target overlapped across cpu and the H200 with the CPU side
# on 16, 15, 14 and 8 threads (and sequential for reference), alternating, in timing mode (random
# SmolLM2-135M made there, self:3 draft, acceptance 0.6, 3 prompts x 48 tokens). Writes
# $OUT/overlap-threads.txt. ~1 min. Expects .dev/{hetspec,lib}.
set -u
OUT="${OUT:-out/h200-overlap}"
. "$(dirname "$0")/env.sh"
GPU=$($B devices | awk '/^cl:[0-9]+/ && /NVIDIA|H200/ {print $1; exit}')
S="$STATE/random-smollm2-135m-q4_1.gguf"
[ -s "$S" ] || $B make-model --spec configs/models/smollm2-135m.yaml --seed 1 --dtype q4_1 --out "$S" >/dev/null
plan() {  # name draft-pu target-pu mode threads
  printf 'schema: hetspec.plan/1\ngamma: 2\nmode: %s\ntarget: {pu: %s, head: %s, dtype: q4_1}\ndraft: {pu: %s, head: %s, dtype: q4_1}\nthreads: {cpu: %s}\n' \
    "$4" "$3" "$3" "$2" "$2" "$5" > "$STATE/plan-$1.yaml"
}
CASES=""
for t in 16 15 14 8; do
  plan "cdraft-ov-t$t" cpu "$GPU" overlapped "$t"; plan "gdraft-ov-t$t" "$GPU" cpu overlapped "$t"
  CASES="$CASES cdraft-ov-t$t gdraft-ov-t$t"
done
plan cdraft-seq-t16 cpu "$GPU" sequential 16; plan gdraft-seq-t16 "$GPU" cpu sequential 16
CASES="$CASES cdraft-seq-t16 gdraft-seq-t16"
{
  stamp "$($B --version); GPU $GPU; $(nproc) cores"
  for rep in 1 2 3; do
    for c in $CASES; do
      printf '%-16s rep %s ' "$c" "$rep"
      $B run --plan "$STATE/plan-$c.yaml" --target "$S" --draft self:3 --accept-rate 0.6 \
        --prompts configs/prompts/translation-en-de.jsonl --limit 3 --max-new 48 --no-chat --no-baseline -q \
        --out "$STATE/run-$c" 2>&1 | awk '$1 == "plan" && $2 ~ /^[0-9]+$/ {printf "%s ms/token, iteration %s ms; ", $5, $8}
          /phases per iteration/ {sub(/.*\(ms\): /, ""); printf "%s", $0} END {print ""}'
    done
  done
  stamp done
} 2>&1 | tee "$OUT/overlap-threads.txt"
