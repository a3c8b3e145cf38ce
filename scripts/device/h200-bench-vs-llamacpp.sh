#!/usr/bin/env bash
# Issue 12 on the H200 machine (16-core Xeon + H200, no network): hetspec vs llama.cpp's llama-bench,
# side by side, through the same driver as on the dev VM (scripts/bench-vs-llamacpp.sh):
#   cpu:  llama-bench -ngl 0 -dev none (CUDA build, pure CPU) vs hetspec --device cpu, threads "1 2 16"
#   gpu:  llama-bench -ngl 99 (CUDA)                           vs hetspec --device cl:N (the NVIDIA OpenCL device)
# on random-weight SmolLM2-135M Q4_1 and Llama-3.2-1B Q4_1 / Q4_0 (made there with the carried
# hetspec), plus the real SmolLM2-135M-Instruct Q4_1 when its pieces were carried in earlier calls.
# Stages, one call each (10 minutes per call; $STATE persists while the machine stays warm):
#   scripts/device/pack.sh && scripts/device/pack-llamacpp.sh           # here: .dev/hetspec, lib, tarball, pieces
#   build  (carry .dev/hetspec .dev/lib .dev/llamacpp-src.tar.gz): unpack the trimmed llama.cpp, build
#          llama-bench with CUDA for sm_90 (~4.5 min on 16 cores; reused when built), make the models
#   stash  (carry .dev/p1, then .dev/p2, then .dev/p3; optional): keep the real model's pieces
#   cpu    (carry .dev/hetspec .dev/lib): the CPU comparison (THREADS, default "1 2 16"; ~7 min)
#   gpu    (carry .dev/hetspec .dev/lib): the GPU comparison (~3 min)
# Every stage also stashes carried pieces and reuses what earlier calls left. THREADS (cpu: "1 2 16",
# gpu: "16"; split the cpu stage over two calls if it nears 10 minutes, e.g. THREADS="1 2" then
# THREADS=16), REPS (default 3), MODELS_ONLY (model keys) and EXTRA (more driver flags, e.g. "--quick")
# pass through. Writes under $OUT: bench-vs-llamacpp-{cpu,gpu}-t<threads>.md, build.txt and build logs.
set -u
STAGE="${1:?stage: build | stash | cpu | gpu}"
OUT="${OUT:-out/h200-bench-vs-llamacpp}"
. "$(dirname "$0")/env.sh"  # NVIDIA OpenCL, library path, $B (hetspec copied to $STATE), $M, stamp
mkdir -p "$STATE/lib" "$STATE/models"
cp .dev/lib/* "$STATE/lib/" 2>/dev/null
export LD_LIBRARY_PATH="$STATE/lib:$LD_LIBRARY_PATH"
export PATH="$PATH:/usr/local/cuda/bin"
LSRC="$STATE/llamacpp-src"
LBUILD="$STATE/llamacpp-cuda"
LB="$LBUILD/bin/llama-bench"
export HETSPEC_MODELS_DIR="$STATE/models"
SMOL_SHA=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53

# The real model: pieces from .dev/p*/ (scripts/device/pack.sh) kept in $STATE, joined once all are there.
cp .dev/p*/model.part* "$STATE/" 2>/dev/null
REAL="$HETSPEC_MODELS_DIR/SmolLM2-135M-Instruct.Q4_1.gguf"
if [ ! -s "$REAL" ] && ls "$STATE"/model.part* >/dev/null 2>&1; then
  cat "$STATE"/model.part* > "$REAL.tmp"
  if [ "$(sha256sum < "$REAL.tmp" | cut -d' ' -f1)" = "$SMOL_SHA" ]; then mv "$REAL.tmp" "$REAL"; else rm -f "$REAL.tmp"; fi
fi
MODELS="random-smollm2-q4_1 random-llama1b-q4_1 random-llama1b-q4_0"
[ -s "$REAL" ] && MODELS="smollm2 $MODELS"

make_models() {
  local spec dtype
  for sd in smollm2-135m:q4_1:random-smollm2-q4_1 llama-3.2-1b:q4_1:random-llama1b-q4_1 llama-3.2-1b:q4_0:random-llama1b-q4_0; do
    spec=${sd%%:*}; dtype=${sd#*:}; key=${dtype#*:}; dtype=${dtype%%:*}
    case " ${MODELS_ONLY:-$key} " in *" $key "*) ;; *) continue ;; esac  # only the models asked for
    f="$HETSPEC_MODELS_DIR/random-$spec-$dtype.gguf"
    [ -s "$f" ] || { $B make-model --spec "configs/models/$spec.yaml" --seed 1 --dtype "$dtype" --out "$f.tmp" && mv "$f.tmp" "$f"; }
  done
}

case "$STAGE" in
  build)
    {
      stamp "llama-bench CUDA build"
      if [ -x "$LB" ]; then
        echo "reusing $LB"
      else
        [ -s .dev/llamacpp-src.tar.gz ] || { echo "no .dev/llamacpp-src.tar.gz (scripts/device/pack-llamacpp.sh)"; exit 2; }
        rm -rf "$LSRC" && mkdir -p "$LSRC" && tar -C "$LSRC" -xzf .dev/llamacpp-src.tar.gz
        nvcc --version | tail -2
        s=$SECONDS
        cmake -S "$LSRC/llama.cpp" -B "$LBUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON \
          -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
          -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF \
          -DBUILD_SHARED_LIBS=OFF > "$OUT/llamacpp-cmake.log" 2>&1 || { tail -30 "$OUT/llamacpp-cmake.log"; exit 1; }
        cmake --build "$LBUILD" -j "$(nproc)" --target llama-bench > "$OUT/llamacpp-build.log" 2>&1 ||
          { tail -30 "$OUT/llamacpp-build.log"; exit 1; }
        echo "built in $((SECONDS - s)) s"
      fi
      "$LB" --list-devices 2>&1 | tail -3
      stamp "models"
      make_models
      ls -la "$HETSPEC_MODELS_DIR"
    } 2>&1 | tee "$OUT/build.txt"
    ;;
  stash)
    ls -la "$STATE"/model.part* "$HETSPEC_MODELS_DIR" 2>&1
    ;;
  cpu|gpu)
    [ -x "$LB" ] || { echo "no llama-bench at $LB: run the build stage first"; exit 2; }
    make_models
    if [ "$STAGE" = cpu ]; then
      FLAGS=(--device cpu --ngl 0 --threads "${THREADS:-1 2 16}")
    else
      GPU=$($B devices | awk '/^cl:[0-9]+/ && /NVIDIA|H200/ {print $1; exit}')
      [ -n "$GPU" ] || { echo "no NVIDIA OpenCL device:"; $B devices; exit 2; }
      FLAGS=(--device "$GPU" --ngl 99 --threads "${THREADS:-16}")
    fi
    s=$SECONDS
    T="${FLAGS[5]}"
    # shellcheck disable=SC2086
    bash scripts/bench-vs-llamacpp.sh "${FLAGS[@]}" --reps "${REPS:-3}" --models "${MODELS_ONLY:-$MODELS}" \
      --llama-bench "$LB" --hetspec "$B" --label "H200 machine, $STAGE" \
      --out "$OUT/bench-vs-llamacpp-$STAGE-t${T// /-}.md" ${EXTRA:-}
    echo "stage $STAGE: $((SECONDS - s)) s"
    ;;
  *) echo "unknown stage $STAGE (build | stash | cpu | gpu)"; exit 2 ;;
esac
