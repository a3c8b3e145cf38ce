#!/usr/bin/env bash
# Issue 9 on the H200 machine (16-core Xeon + NVIDIA H200 through NVIDIA OpenCL, PoCL on the Xeon):
# (a) a quick profile of SmolLM2-135M-Instruct and the shipped draft (models/smollm2-135m-draft.gguf)
# on the CPU, the H200 and PoCL (the Xeon as an OpenCL device; profiled, not in the grid), then the
# validation grid with that pair on the translation prompts, run twice (the noise floor); and
# (b) timing mode with random-weight Llama-3.2-3B target + 1B draft at the acceptance (a) measured.
# Grid: cpu / H200 / cpu+H200 split targets, drafts on either PU, sequential and overlapped,
# gamma in {0,1,2,3,4,6,8} (51 plans). Both stages stop themselves before the call's 10 minutes
# (CALL_S, SIGINT keeps the finished plans) and resume when called again with the machine warm.
# Environment: ALPHA (b's acceptance per position; default: what (a)'s run 1 measured, in $STATE),
# CALIB, GAMMAS, HELD_OUT, MAX_NEW, CALL_S, ROUNDS ((b)'s profile passes). The committed reports/h200 run: MAX_NEW=48 CALIB=4 (then the default).
# The machine has no package registry, calls are limited to 10 minutes and 64 MiB each, so this runs
# in stages, back to back while the machine stays warm (state lives in $STATE):
#   scripts/device/pack.sh                 # here: .dev/{hetspec,lib,p1,p2,p3}
#   scripts/device/h200-validate.sh stash  # calls 1, 2 (carry .dev/p1, then .dev/p2): the model's first pieces
#   scripts/device/h200-validate.sh a      # call 3 (carry .dev/p3 .dev/hetspec .dev/lib): join, profile, validate (a)
#   scripts/device/h200-validate.sh b      # call 4 (carry .dev/hetspec .dev/lib; a fresh machine will do): (b)
set -u
STAGE="${1:?stage: stash | a | b}"
OUT="${OUT:-out/h200}"
. scripts/device/env.sh
DR=models/smollm2-135m-draft.gguf; PR=configs/prompts/translation-en-de.jsonl
T="$STATE/random-llama-3.2-3b-q4_0.gguf"; D="$STATE/random-llama-3.2-1b-q4_0.gguf"
P="$STATE/h200-profile.yaml"
case "$STAGE" in
  stash)
    cp .dev/p*/model.part* "$STATE/" && ls -la "$STATE"
    ;;
  a)
    # The model's last piece, then: a quick profile of the target and the shipped draft, and the
    # validation grid with that pair run twice (run1, run2: the noise floor), each under a time limit
    # (SIGINT keeps the plans finished; call `a` again with the same state to --resume).
    cp .dev/p*/model.part* "$STATE/" 2>/dev/null
    [ -s "$M" ] || cat "$STATE"/model.part* > "$M"
    V="$STATE/val"; mkdir -p "$V"
    {
      stamp "hetspec H200 validation (a) with the shipped draft, commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
      nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
      lscpu | grep -E 'Model name|^CPU\(s\)|L3|NUMA|Socket'
      nvidia-smi topo -m 2>&1 | head -4
      sha256sum "$M" "$DR"
      $B devices
      GPU=$($B devices | awk '/^cl:[0-9]+/ && /NVIDIA|H200/ {print $1; exit}')
      POCL=$($B devices | awk '/^cl:[0-9]+/ && /Portable|pthread|PoCL|cpu-/ {print ","$1; exit}')
      if [ ! -s "$V/profile.yaml" ]; then
        stamp "profile (quick): target and draft on cpu, $GPU${POCL:+ and ${POCL#,}}"
        $B profile --quick --models "$M,$DR" --devices "cpu,$GPU$POCL" --out "$V/profile.yaml" 2>&1 | tail -2
      fi
      $B profile --show "$V/profile.yaml" > "$V/profile-show.txt" 2>&1
      for r in 1 2; do
        LIMIT=$(( ${CALL_S:-560} - SECONDS )); [ $r = 1 ] && LIMIT=$(( LIMIT / 2 ))
        stamp "validate, run $r, for up to $LIMIT s"
        RESUME=""; [ -s "$V/run$r/validation.json" ] && RESUME=--resume
        timeout -s INT "$LIMIT" $B validate --profile "$V/profile.yaml" --target "$M" --draft "$DR" --prompts "$PR" \
          --pus "cpu,$GPU" --gammas "${GAMMAS:-0,1,2,3,4,6,8}" --calibration "${CALIB:-8}" --held-out "${HELD_OUT:-6}" \
          --max-new "${MAX_NEW:-32}" $RESUME --out "$V/run$r" 2>&1 | grep -v '^\[' | tail -4
        python3 -c "import json; v=json.load(open('$V/run$r/validation.json')); print('run $r measured', sum(p['measured'] for p in v['plans']), 'of', len(v['plans']))" 2>&1
      done
      stamp "done"
    } 2>&1 | tee -a "$V/h200-a.log"
    tar -C "$STATE" -czf "$OUT/h200-a.tgz" val
    ;;
  b)
    # Resumable: each call makes what is missing (models, profile), then validates until LIMIT seconds
    # (SIGINT keeps the finished plans) and collects what is done; call again to continue.
    GPU=$($B devices | awk '/^cl:[0-9]+/ && /NVIDIA|H200/ {print $1; exit}')
    mkdir -p "$STATE/val-b"
    {
      stamp "hetspec H200 validation (b): timing mode, random Llama-3.2-3B + 1B, commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
      for m in 3b 1b; do
        f="$STATE/random-llama-3.2-$m-q4_0.gguf"
        [ -s "$f" ] || $B make-model --spec configs/models/llama-3.2-$m.yaml --seed 1 --dtype q4_0 --out "$f"
      done
      # ALPHA: the acceptance (a) measured (per position), else what a stored (a) validation says, else 0.7.
      [ -n "${ALPHA:-}" ] || ALPHA=$(python3 -c "import json; a=json.load(open('$STATE/val/run1/validation.json'))['acceptance']['alpha']; print(','.join(f'{x:.4f}' for x in a))" 2>/dev/null || echo 0.7)
      echo "acceptance: $ALPHA"
      if [ ! -s "$STATE/h200-profile-llama.yaml" ]; then
        stamp "profile the pair's shapes"
        $B profile --out "$STATE/h200-profile-llama.yaml" --models "$T,$D" --devices "cpu,$GPU" --budget "${BUDGET:-150}" --rounds "${ROUNDS:-3}" --quick 2>&1 | tail -3
      fi
      LIMIT=${LIMIT:-$(( ${CALL_S:-550} - SECONDS ))}
      stamp "validate (b) for up to $LIMIT s"
      RESUME=""; [ -s "$STATE/val-b/validation.json" ] && RESUME=--resume
      timeout -s INT "$LIMIT" $B validate --profile "$STATE/h200-profile-llama.yaml" --target "$T" --draft "$D" \
        --accept-rate "$ALPHA" --prompts configs/prompts/translation-en-de.jsonl --no-chat --pus "cpu,$GPU" \
        --gammas "${GAMMAS:-0,1,2,3,4,6,8}" --held-out "${HELD_OUT:-1}" --max-new "${MAX_NEW:-64}" $RESUME \
        --out "$STATE/val-b" 2>&1 | grep -v '^\[' | tail -8
      python3 -c "import json; v=json.load(open('$STATE/val-b/validation.json')); print('measured', sum(p['measured'] for p in v['plans']), 'of', len(v['plans']))"
      cp "$STATE/h200-profile-llama.yaml" "$STATE/val-b/profile.yaml"
      stamp "done"
    } 2>&1 | tee -a "$STATE/val-b/h200-b.log"
    tar -C "$STATE" -czf "$OUT/h200-b.tgz" val-b
    ;;
esac
