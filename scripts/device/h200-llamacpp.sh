#!/usr/bin/env bash
# Issue 11 on the H200 machine (16-core Xeon + H200, no network): hetspec's prediction of llama.cpp's
# own speculative decoding with its CUDA backend, over the placements llama.cpp offers (draft and
# target on the GPU, target on the CPU with the draft on the GPU and the reverse, the target split
# -ngl n-s+1), against llama.cpp's measurement: SmolLM2-135M-Instruct target, the shipped draft as a
# standalone GGUF (`hetspec make-draft`), γ (--spec-draft-n-max) in GAMMAS (default 0,1,2,4,8).
#   1. llama.cpp's llama-bench, llama-speculative and llama-completion built with CUDA (sm_90) from the
#      pinned sdist's trimmed source (scripts/device/pack-llamacpp.sh);
#   2. a quick hetspec profile of the machine (cpu + the H200 as NVIDIA's OpenCL device: host costs,
#      bandwidth, links), then `profile --engine llama.cpp --device-map cl:N=CUDA0`: llama.cpp's CPU
#      forwards at THREADS, its fully offloaded forwards on CUDA0, and its speculative loop's terms;
#   3. `validate --engine llama.cpp --pus cpu,cl:N --device-map cl:N=CUDA0`: the grid predicted with that
#      profile, exported as llama.cpp flags and run with the CUDA tools, plain decoding interleaved.
# The machine has no package registry, calls are limited to 10 minutes and 64 MiB each, so it runs in
# stages, back to back while the machine stays warm (state lives in $STATE):
#   scripts/device/pack.sh && scripts/device/pack-llamacpp.sh    # here: .dev/{hetspec,lib,p1,p2,p3}, the tarball
#   build    (carry .dev/hetspec .dev/lib .dev/llamacpp-src.tar.gz .dev/p1): the CUDA build (~5 min)
#   profile  (carry .dev/hetspec .dev/lib .dev/p2 .dev/p3): join the model, the draft, both profiles
#   validate (carry .dev/hetspec .dev/lib): the grid until CALL_S (default 540 s; SIGINT keeps the
#            finished plans); call it again to --resume. Results under $OUT (h200-llamacpp.tgz, the log).
# Environment: THREADS (default 8), GAMMAS, CALIB (4), HELD (4), G (max new tokens, 64), CALL_S,
# ACCEPT_FROM (hetspec, the default: its executor's pooled per-position estimate; llama.cpp: per target
# placement from llama.cpp's loop at every γ on the calibration prompts, kept by --resume), PLAIN_FROM
# (profile, the default; calibration: plain decoding's loop term re-fitted on the calibration prompts,
# run as the baseline arm runs), REPORT (the report's folder under $STATE/llamacpp, default report: a
# second name gives a second run of the same grid, for `report --second-run`).
set -u
STAGE="${1:?stage: build | profile | validate}"
OUT="${OUT:-out/h200-llamacpp}"
. "$(dirname "$0")/env.sh"  # NVIDIA OpenCL, library path, $B (hetspec copied to $STATE), $M, stamp
mkdir -p "$STATE/lib"
cp .dev/lib/* "$STATE/lib/" 2>/dev/null
export LD_LIBRARY_PATH="$STATE/lib:$LD_LIBRARY_PATH"
export PATH="$PATH:/usr/local/cuda/bin"
LSRC="$STATE/llamacpp-src"
LBUILD="$STATE/llamacpp-cuda-spec"
LBIN="$LBUILD/bin"
SMOL_SHA=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
V="$STATE/llamacpp"
D="$V/draft-standalone.gguf"
T=${THREADS:-8}
mkdir -p "$V"
cp .dev/p*/model.part* "$STATE/" 2>/dev/null
gpu_id() { $B devices | awk '/^cl:[0-9]+/ && /NVIDIA|H200/ {print $1; exit}'; }

case "$STAGE" in
  build)
    {
      stamp "llama.cpp CUDA build (llama-bench, llama-speculative, llama-completion)"
      if [ -x "$LBIN/llama-speculative" ]; then
        echo "reusing $LBIN"
      else
        [ -s .dev/llamacpp-src.tar.gz ] || { echo "no .dev/llamacpp-src.tar.gz (scripts/device/pack-llamacpp.sh)"; exit 2; }
        rm -rf "$LSRC" && mkdir -p "$LSRC" && tar -C "$LSRC" -xzf .dev/llamacpp-src.tar.gz
        nvcc --version | tail -2
        COMMIT=$(cat "$LSRC/llama.cpp/HETSPEC_LLAMA_COMMIT" 2>/dev/null || echo unknown)
        echo "llama.cpp commit $COMMIT"
        s=$SECONDS
        cmake -S "$LSRC/llama.cpp" -B "$LBUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON \
          -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 -DLLAMA_BUILD_COMMIT="$COMMIT" -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
          -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_EXAMPLES=ON -DLLAMA_BUILD_APP=OFF \
          -DBUILD_SHARED_LIBS=OFF > "$OUT/llamacpp-cmake.log" 2>&1 || { tail -30 "$OUT/llamacpp-cmake.log"; exit 1; }
        cmake --build "$LBUILD" -j "$(nproc)" --target llama-bench llama-speculative llama-completion \
          > "$OUT/llamacpp-build.log" 2>&1 || { tail -30 "$OUT/llamacpp-build.log"; exit 1; }
        echo "built in $((SECONDS - s)) s"
      fi
      "$LBIN/llama-bench" --list-devices 2>&1 | tail -3
    } 2>&1 | tee "$OUT/build.txt"
    ;;
  profile)
    if [ ! -s "$M" ]; then
      cat "$STATE"/model.part* > "$M.tmp"
      [ "$(sha256sum < "$M.tmp" | cut -d' ' -f1)" = "$SMOL_SHA" ] || { echo "the joined model's sha256 differs: pieces missing?"; ls -la "$STATE"; exit 2; }
      mv "$M.tmp" "$M"
    fi
    GPU=$(gpu_id)
    [ -n "$GPU" ] || { echo "no NVIDIA OpenCL device:"; $B devices; exit 2; }
    {
      stamp "hetspec x llama.cpp on the H200 machine, commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
      nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
      lscpu | grep -E 'Model name|^CPU\(s\)|L3'
      [ -s "$D" ] || $B make-draft --target "$M" --draft models/smollm2-135m-draft.gguf --out "$D"
      stamp "base profile (quick): cpu and $GPU"
      [ -s "$V/base.yaml" ] || $B profile --quick --models "$M,$D" --devices "cpu,$GPU" --out "$V/base.yaml" 2>&1 | tail -2
      stamp "llama.cpp profile: cpu at $T threads, $GPU as CUDA0, the loop"
      $B profile --engine llama.cpp --llama-bench "$LBIN/llama-bench" --base "$V/base.yaml" --models "$M,$D" \
        --threads "$T" --device-map "$GPU=CUDA0" --out "$V/llamacpp.yaml" 2>&1
      $B profile --show "$V/llamacpp.yaml" > "$V/llamacpp-show.txt" 2>&1
      stamp "done"
    } 2>&1 | tee "$V/profile.log"
    cp "$V/llamacpp.yaml" "$V/profile.log" "$OUT/" 2>/dev/null
    ;;
  validate)
    GPU=$(gpu_id)
    [ -s "$V/llamacpp.yaml" ] || { echo "no llama.cpp profile: run the profile stage first"; exit 2; }
    LIMIT=$(( ${CALL_S:-540} - SECONDS ))
    R="$V/${REPORT:-report}"
    RESUME=""; [ -s "$R/validation.json" ] && RESUME=--resume
    {
      stamp "validate --engine llama.cpp, grid cpu,$GPU x gamma ${GAMMAS:-0,1,2,4,8}, for up to $LIMIT s $RESUME"
      timeout -s INT "$LIMIT" $B validate --engine llama.cpp --llama-bin "$LBIN" --profile "$V/llamacpp.yaml" \
        --target "$M" --draft "$D" --prompts configs/prompts/translation-en-de.jsonl --pus "cpu,$GPU" \
        --device-map "$GPU=CUDA0" --threads "$T" --gammas "${GAMMAS:-0,1,2,4,8}" --calibration "${CALIB:-4}" \
        --held-out "${HELD:-4}" --max-new "${G:-64}" --acceptance-from "${ACCEPT_FROM:-hetspec}" --plain-from "${PLAIN_FROM:-profile}" $RESUME --out "$R" 2>&1 | grep -v '^\[' | tail -40
      python3 -c "import json; v=json.load(open('$R/validation.json')); print('measured', sum(p['measured'] for p in v['plans']), 'of', len(v['plans']))" 2>&1
      stamp "done"
    } 2>&1 | tee -a "$V/validate.log"
    (cd "$STATE" && tar -czf "$OUT/h200-llamacpp.tgz" llamacpp/report* llamacpp/llamacpp.yaml llamacpp/base.yaml llamacpp/profile.log \
      llamacpp/validate.log llamacpp/llamacpp-show.txt)
    ;;
  *) echo "unknown stage $STAGE (build | profile | validate)"; exit 2 ;;
esac
