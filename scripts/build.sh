#!/usr/bin/env bash
# Configures and builds hetspec (Release) into build/ with Ninja. Usage: scripts/build.sh [targets...]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${HETSPEC_BUILD_DIR:-build}"
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$BUILD" -j "$(nproc)" ${1:+--target "$@"}
