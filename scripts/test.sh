#!/usr/bin/env bash
# The test command: installs dependencies, fetches the real model, builds, runs the Catch2 suite
# through ctest (one test per case), checks the install / find_package / pkg-config / .deb
# (scripts/check-install.sh), then cross-builds the whole tool for aarch64 and runs it under qemu (devices,
# generate and the SmolLM2 logits test, the NEON kernels' parity tests, a quick profile and a sweep, the
# arm64 .deb: scripts/test-aarch64-full.sh --ci, ~4 min on 2 cores),
# and runs the tests of the input-handling code (parsers, loaders, writers, every command's bad input, the
# CPU kernels and engine) under ASan+UBSan, halting on the first report (scripts/test-sanitize.sh, ~4.5 min
# on 2 cores: its own clang -O0 build, then the tests). HETSPEC_SKIP_CROSS=1 / HETSPEC_SKIP_SANITIZE=1
# skip the last two.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export HETSPEC_MODEL="$(bash scripts/fetch-models.sh)"
bash scripts/build.sh
(cd "${HETSPEC_BUILD_DIR:-build}" && ctest --output-on-failure)
bash scripts/check-install.sh   # install, find_package consumer, pkg-config, .deb (11-16 s, reuses the build)
if [ "${HETSPEC_SKIP_CROSS:-0}" != 1 ]; then
  bash scripts/test-aarch64-full.sh --ci
fi
if [ "${HETSPEC_SKIP_SANITIZE:-0}" != 1 ]; then
  bash scripts/test-sanitize.sh
fi
