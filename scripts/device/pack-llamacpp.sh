#!/usr/bin/env bash
# Packs the llama.cpp source that the llama-cpp-python sdist vendors (scripts/llamacpp.sh fetches it),
# trimmed to what a CPU or CUDA build of llama-bench needs, into .dev/llamacpp-src.tar.gz (git-ignored;
# the H200 machine has no network, so it travels with `carry`): the top-level CMake files, cmake/,
# include/, src/, common/, vendor/, ggml/ without the other backends' sources (Vulkan, SYCL, Metal,
# OpenCL, ...: ggml adds a backend's directory only when it is enabled), tools/ without the server
# and its web UI (built only with LLAMA_BUILD_SERVER=ON), and examples/ (llama-speculative lives there;
# scripts/device/h200-llamacpp.sh builds it with -DLLAMA_BUILD_EXAMPLES=ON). pocs/ and app/ are left out:
# build with -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TESTS=OFF. About 7 MB.
# Usage: scripts/device/pack-llamacpp.sh [--check]   (--check: configure + build llama-bench for the CPU
# from the tarball in a temp dir, a few minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$(bash scripts/llamacpp.sh)  # fetches the sdist (and builds the CPU tools) when not cached
SRC="$(dirname "$(dirname "$BIN")")/llama_cpp_python-0.3.36/vendor/llama.cpp"
[ -d "$SRC" ] || { echo "pack-llamacpp: no llama.cpp source at $SRC" >&2; exit 2; }
mkdir -p .dev
OUTF="$PWD/.dev/llamacpp-src.tar.gz"
EXCL=()
for b in cann et hexagon hip metal musa opencl openvino sycl virtgpu vulkan webgpu zdnn zendnn; do
  EXCL+=(--exclude="llama.cpp/ggml/src/ggml-$b")
done
for t in ui server cli; do EXCL+=(--exclude="llama.cpp/tools/$t"); done
# The commit travels as a file (the tarball has no .git): the device build passes it as LLAMA_BUILD_COMMIT,
# so llama-bench's build_commit and the profile name the pinned revision.
git -C "$SRC" rev-parse --short HEAD > "$SRC/HETSPEC_LLAMA_COMMIT"
tar -C "$(dirname "$SRC")" -czf "$OUTF" "${EXCL[@]}" --exclude='*.gguf' \
  llama.cpp/HETSPEC_LLAMA_COMMIT llama.cpp/CMakeLists.txt llama.cpp/LICENSE llama.cpp/licenses llama.cpp/cmake llama.cpp/include \
  llama.cpp/src llama.cpp/common llama.cpp/vendor llama.cpp/ggml llama.cpp/tools llama.cpp/examples llama.cpp/pocs
du -h "$OUTF"
if [ "${1:-}" = "--check" ]; then
  T=$(mktemp -d)
  trap 'rm -rf "$T"' EXIT
  tar -C "$T" -xzf "$OUTF"
  cmake -S "$T/llama.cpp" -B "$T/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF \
    -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_APP=OFF -DBUILD_SHARED_LIBS=OFF >/dev/null
  nice -n 19 cmake --build "$T/build" -j "$(nproc)" --target llama-bench >/dev/null
  "$T/build/bin/llama-bench" --version 2>&1 | head -2
  echo "pack-llamacpp: the trimmed source builds llama-bench"
fi
