#!/usr/bin/env bash
# Issue 9 on the H200 machine (16-core Xeon + NVIDIA H200 through NVIDIA OpenCL, PoCL on the Xeon):
# profile, then validate (a) SmolLM2-135M-Instruct with self:8 drafts on the translation prompts and
# (b) timing mode with random-weight Llama-3.2-3B target + 1B draft at the acceptance (a) measured,
# over placements cpu / H200 / cpu+H200 split / draft on H200 + target on cpu (sequential and
# overlapped) / draft on cpu + target on H200, gamma in {0,1,2,3,4,6,8} for (a); (b) takes gamma in
# {0,1,2,4,8}, one held-out prompt and 12 new tokens to fit one 10-minute call (the full grid of 51
# plans with the 3B target ran past it).
# The machine has no package registry and calls are limited to 10 minutes, so this runs in stages
# (the machine stays warm between back-to-back calls; state lives in $STATE):
#   scripts/device/h200-validate.sh stash  # call 1 (carry .dev/p1): keep the model's first piece
#   scripts/device/h200-validate.sh a      # call 2 (carry .dev/p2): join the model, profile, validate (a)
#   scripts/device/h200-validate.sh b      # call 3: random 3B/1B, validate (b) in timing mode
# Expects .dev/hetspec and .dev/lib/libyaml-cpp.so.0.7 built on the dev machine (scripts/device/pack.sh).
set -u
STAGE="${1:?stage: stash | a | b}"
OUT="${OUT:-out/h200}"
. scripts/device/env.sh
T="$STATE/random-llama-3.2-3b-q4_0.gguf"; D="$STATE/random-llama-3.2-1b-q4_0.gguf"
P="$STATE/h200-profile.yaml"
case "$STAGE" in
  stash)
    cp .dev/p1/* "$STATE/" && ls -la "$STATE"
    ;;
  a)
    cp .dev/p2/* "$STATE/" 2>/dev/null
    [ -s "$M" ] || cat "$STATE"/model.partaa "$STATE"/model.partab > "$M"
    {
      stamp "hetspec H200 validation (a), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
      nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
      sha256sum "$M"
      $B devices
      GPU=$($B devices | awk '/^cl:[0-9]+/ && /NVIDIA|H200/ {print $1; exit}')
      echo "GPU=$GPU" > "$STATE/env"
      stamp "profile"
      $B profile --out "$P" --models "$M" --devices "cpu,$GPU" --budget "${BUDGET:-200}" --model-cache "$STATE" 2>&1 | tail -5
      $B profile --show "$P" > "$OUT/h200-profile-show.txt" 2>&1
      cp "$P" "$OUT/"
      stamp "validate (a)"
      $B validate --profile "$P" --target "$M" --draft self:8 --prompts configs/prompts/translation-en-de.jsonl \
        --pus "cpu,$GPU" --calibration 4 --held-out 3 --max-new 24 --out "$STATE/val-a" 2>&1 | grep -v '^\[' | tail -8
      for f in validation.json report.html index.md; do cp "$STATE/val-a/$f" "$OUT/a-$f"; done
      stamp "done"
    } 2>&1 | tee "$OUT/h200-a.log"
    ;;
  b)
    . "$STATE/env"
    {
      stamp "hetspec H200 validation (b): timing mode, random Llama-3.2-3B + 1B"
      for m in 3b 1b; do
        f="$STATE/random-llama-3.2-$m-q4_0.gguf"
        [ -s "$f" ] || $B make-model --spec configs/models/llama-3.2-$m.yaml --seed 1 --dtype q4_0 --out "$f"
      done
      ALPHA=$(python3 -c "import json; a=json.load(open('$STATE/val-a/validation.json'))['acceptance']['alpha']; print(','.join(f'{x:.4f}' for x in a))" 2>/dev/null || echo 0.7)
      echo "acceptance from (a): $ALPHA"
      stamp "profile the pair's shapes"
      [ -s "$STATE/h200-profile-llama.yaml" ] || \
        $B profile --out "$STATE/h200-profile-llama.yaml" --models "$T,$D" --devices "cpu,$GPU" --budget "${BUDGET:-150}" --quick 2>&1 | tail -3
      stamp "validate (b)"
      $B validate --profile "$STATE/h200-profile-llama.yaml" --target "$T" --draft "$D" --accept-rate "$ALPHA" \
        --prompts configs/prompts/translation-en-de.jsonl --no-chat --pus "cpu,$GPU" --gammas "${GAMMAS:-0,1,2,4,8}" \
        --held-out 1 --max-new 12 \
        --out "$STATE/val-b" 2>&1 | grep -v '^\[' | tail -8
      cp "$STATE/h200-profile-llama.yaml" "$OUT/"
      for f in validation.json report.html index.md; do cp "$STATE/val-b/$f" "$OUT/b-$f"; done
      stamp "done"
    } 2>&1 | tee "$OUT/h200-b.log"
    ;;
esac
