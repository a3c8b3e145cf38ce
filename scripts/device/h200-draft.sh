#!/usr/bin/env bash
# Issue 14 (and 9 (a) with a real draft) on the H200 machine: the shipped draft
# (models/smollm2-135m-draft.gguf) with the bundled target, greedy, on the translation prompts:
# measured speedup against plain decoding for the draft on the GPU with the target on the CPU, the
# reverse, both on the GPU, both on the CPU; then a validation grid with this pair.
# The target travels in three pieces (64 MiB per call, the repository included), so back-to-back calls:
#   scripts/device/pack.sh                                  # here
#   calls 1, 2 (carry .dev/p1, then .dev/p2):  bash scripts/device/h200-draft.sh stash
#   call 3 (carry .dev/p3 .dev/hetspec .dev/lib):  bash scripts/device/h200-draft.sh run
# or, for the validation with a fresh quick profile of both models, run twice (noise floor):
#   call 3 (same carry):                bash scripts/device/h200-draft.sh validate
set -u
STAGE="${1:?stage: stash | run | validate}"
OUT="${OUT:-out/h200-draft}"
. scripts/device/env.sh
D=models/smollm2-135m-draft.gguf
P=configs/prompts/translation-en-de.jsonl
case "$STAGE" in
  stash)
    cp .dev/p*/model.part* "$STATE/" && ls -la "$STATE"
    ;;
  validate)
    cp .dev/p*/model.part* "$STATE/" 2>/dev/null
    [ -s "$M" ] || cat "$STATE"/model.part* > "$M"
    mkdir -p "$STATE/val"
    {
      stamp "hetspec H200 validation with the shipped draft, commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
      GPU=$($B devices | awk '/^cl:[0-9]+/ && /NVIDIA|H200/ {print $1; exit}')
      V="$STATE/val"; mkdir -p "$V"
      $B profile --quick --models "$M,$D" --devices "cpu,$GPU" --out "$V/profile.yaml" 2>&1 | tail -2
      for r in 1 2; do
        stamp "validate, run $r"
        $B validate --profile "$V/profile.yaml" --target "$M" --draft "$D" --prompts "$P" --pus "cpu,$GPU" \
          --gammas 0,1,2,3,4,6,8 --calibration 4 --held-out "${HELD:-6}" --max-new 32 --out "$V/run$r" 2>&1 | grep -v '^\[' | tail -6
      done
      stamp "done"
    } 2>&1 | tee "$STATE/val/h200-validate.log"
    tar -C "$STATE" -czf "$OUT/h200-draft-validate.tgz" val
    ;;
  run)
    cp .dev/p*/model.part* "$STATE/" 2>/dev/null
    [ -s "$M" ] || cat "$STATE"/model.part* > "$M"
    {
      stamp "hetspec H200 draft pair, commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
      sha256sum "$M" "$D"
      $B devices
      GPU=$($B devices | awk '/^cl:[0-9]+/ && /NVIDIA|H200/ {print $1; exit}')
      TH=$(nproc)
      mkdir -p "$OUT/plans" "$STATE/runs"
      plan() {  # name gamma mode target-pu draft-pu
        printf 'schema: hetspec.plan/1\ngamma: %s\nmode: %s\ntarget: {pu: "%s"}\ndraft: {pu: "%s"}\nthreads: {cpu: %s}\n' \
          "$2" "$3" "$4" "$5" "$TH" > "$OUT/plans/$1.yaml"
      }
      for g in 1 2 4; do
        plan cpu-cpu-g$g $g sequential cpu cpu
        plan gpu-gpu-g$g $g sequential "$GPU" "$GPU"
        plan draftgpu-targetcpu-g$g $g sequential cpu "$GPU"
        plan draftgpu-targetcpu-ovl-g$g $g overlapped cpu "$GPU"
        plan draftcpu-targetgpu-g$g $g sequential "$GPU" cpu
      done
      stamp "runs: ${N:-12} prompts, 64 new tokens, baseline = best single PU"
      for f in "$OUT"/plans/*.yaml; do
        n=$(basename "$f" .yaml)
        $B run --plan "$f" --target "$M" --draft "$D" --prompts "$P" --limit "${N:-12}" --max-new 64 -q \
          --out "$STATE/runs/$n" 2>&1 | grep -E "speedup over|acceptance per" | sed "s/^/$n: /"
        mkdir -p "$OUT/runs/$n" && cp "$STATE/runs/$n/summary.json" "$OUT/runs/$n/"
      done
      python3 scripts/run/table.py "$STATE/runs" > "$OUT/table.md" 2>&1 || true
      stamp "validate grid with the draft (time left permitting)"
      timeout -s INT "${VAL_S:-300}" $B validate --profile profiles/h200-xeon16-smollm2.yaml --target "$M" --draft "$D" \
        --prompts "$P" --pus "cpu,$GPU" --gammas 0,1,2,3,4,6,8 --calibration 4 --held-out 3 --max-new 32 \
        --out "$STATE/val-draft" 2>&1 | grep -v '^\[' | tail -8
      for f in validation.json report.html index.md; do cp "$STATE/val-draft/$f" "$OUT/val-$f" 2>/dev/null; done
      stamp "done"
    } 2>&1 | tee "$OUT/h200-draft.log"
    ;;
esac
