#!/usr/bin/env bash
# Builds llama.cpp's tools (llama-bench, llama-speculative, llama-speculative-simple, llama-completion) from
# the llama.cpp that the llama-cpp-python sdist vendors (version pinned here: 0.3.36 vendors llama.cpp
# 0c1e570), for the CPU, into the cache; prints the bin directory. Idempotent: a finished build is
# reused. The peer for `hetspec` measurements and llama.cpp users' plans (issue 11).
# Usage: scripts/llamacpp.sh [jobs]   (NICE=19 runs the build at low priority)
set -euo pipefail
VER=0.3.36
ROOT="${HETSPEC_CACHE:-$HOME/.cache/hetspec}/llamacpp"
SRC="$ROOT/llama_cpp_python-$VER/vendor/llama.cpp"
BUILD="$ROOT/build-cpu"
JOBS=${1:-$(nproc)}
if [ ! -x "$BUILD/bin/llama-bench" ] || [ ! -x "$BUILD/bin/llama-speculative" ] || [ ! -x "$BUILD/bin/llama-completion" ]; then
  mkdir -p "$ROOT"
  if [ ! -d "$SRC" ]; then
    (cd "$ROOT" && pip download --quiet --no-deps --no-binary :all: "llama-cpp-python==$VER" -d . >&2 &&
      tar xzf "llama_cpp_python-$VER.tar.gz")
  fi
  cmake -S "$SRC" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF -DBUILD_SHARED_LIBS=OFF >&2
  nice -n "${NICE:-0}" cmake --build "$BUILD" -j "$JOBS" --target llama-bench llama-speculative \
    llama-speculative-simple llama-completion >&2
fi
echo "$BUILD/bin"
