#!/usr/bin/env bash
# Issue 9 on the H200 machine (16-core Xeon + NVIDIA H200 through NVIDIA OpenCL, PoCL on the Xeon):
# profile, then validate (a) SmolLM2-135M-Instruct with self:8 drafts on the translation prompts and
# (b) timing mode with random-weight Llama-3.2-3B target + 1B draft at the acceptance (a) measured,
# over placements cpu / H200 / cpu+H200 split / draft on H200 + target on cpu (sequential and
# overlapped) / draft on cpu + target on H200, gamma in {0,1,2,3,4,6,8}; (b) runs one held-out prompt
# and 16 new tokens per plan and resumes across calls (ALPHA, LIMIT or CALL_S, GAMMAS, HELD_OUT, MAX_NEW
# in the environment), since the 51 plans with the 3B target do not fit one 10-minute call.
# The machine has no package registry and calls are limited to 10 minutes, so this runs in stages
# (the machine stays warm between back-to-back calls; state lives in $STATE):
#   scripts/device/h200-validate.sh stash  # calls 1, 2 (carry .dev/p1, then .dev/p2): keep the model's first pieces
#   scripts/device/h200-validate.sh a      # call 3 (carry .dev/p3): join the model, profile, validate (a)
#   scripts/device/h200-validate.sh b      # call 3 (and 4, ...): random 3B/1B, validate (b) in timing mode
# Expects .dev/hetspec and .dev/lib/libyaml-cpp.so.0.7 built on the dev machine (scripts/device/pack.sh).
set -u
STAGE="${1:?stage: stash | a | b}"
OUT="${OUT:-out/h200}"
. scripts/device/env.sh
T="$STATE/random-llama-3.2-3b-q4_0.gguf"; D="$STATE/random-llama-3.2-1b-q4_0.gguf"
P="$STATE/h200-profile.yaml"
case "$STAGE" in
  stash)
    cp .dev/p*/model.part* "$STATE/" && ls -la "$STATE"
    ;;
  a)
    cp .dev/p*/model.part* "$STATE/" 2>/dev/null
    [ -s "$M" ] || cat "$STATE"/model.part* > "$M"
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
    # Resumable: each call makes what is missing (models, profile), then validates until LIMIT seconds
    # (SIGINT keeps the finished plans) and collects what is done; call again to continue.
    GPU=$($B devices | awk '/^cl:[0-9]+/ && /NVIDIA|H200/ {print $1; exit}')
    {
      stamp "hetspec H200 validation (b): timing mode, random Llama-3.2-3B + 1B, commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
      for m in 3b 1b; do
        f="$STATE/random-llama-3.2-$m-q4_0.gguf"
        [ -s "$f" ] || $B make-model --spec configs/models/llama-3.2-$m.yaml --seed 1 --dtype q4_0 --out "$f"
      done
      # ALPHA: the acceptance (a) measured (per position), else what a stored (a) validation says, else 0.7.
      [ -n "${ALPHA:-}" ] || ALPHA=$(python3 -c "import json; a=json.load(open('$STATE/val-a/validation.json'))['acceptance']['alpha']; print(','.join(f'{x:.4f}' for x in a))" 2>/dev/null || echo 0.7)
      echo "acceptance: $ALPHA"
      if [ ! -s "$STATE/h200-profile-llama.yaml" ]; then
        stamp "profile the pair's shapes"
        $B profile --out "$STATE/h200-profile-llama.yaml" --models "$T,$D" --devices "cpu,$GPU" --budget "${BUDGET:-150}" --quick 2>&1 | tail -3
      fi
      LIMIT=${LIMIT:-$(( ${CALL_S:-550} - SECONDS ))}
      stamp "validate (b) for up to $LIMIT s"
      RESUME=""; [ -s "$STATE/val-b/validation.json" ] && RESUME=--resume
      timeout -s INT "$LIMIT" $B validate --profile "$STATE/h200-profile-llama.yaml" --target "$T" --draft "$D" \
        --accept-rate "$ALPHA" --prompts configs/prompts/translation-en-de.jsonl --no-chat --pus "cpu,$GPU" \
        --gammas "${GAMMAS:-0,1,2,3,4,6,8}" --held-out "${HELD_OUT:-1}" --max-new "${MAX_NEW:-16}" $RESUME \
        --out "$STATE/val-b" 2>&1 | grep -v '^\[' | tail -8
      python3 -c "import json; v=json.load(open('$STATE/val-b/validation.json')); print('measured', sum(p['measured'] for p in v['plans']), 'of', len(v['plans']))"
      cp "$STATE/h200-profile-llama.yaml" "$OUT/"
      for f in validation.json report.html index.md; do cp "$STATE/val-b/$f" "$OUT/b-$f"; done
      stamp "done"
    } 2>&1 | tee -a "$OUT/h200-b.log"
    ;;
esac
