#!/usr/bin/env bash
# Installs every Debian package hetspec needs (idempotent; skips apt when all are present).
# Called by scripts/main.sh and scripts/test.sh, so a fresh Debian 12 machine needs nothing else.
set -euo pipefail
PKGS=(g++ cmake ninja-build pkg-config python3 python3-pip unzip
      libeigen3-dev nlohmann-json3-dev libyaml-cpp-dev libbenchmark-dev catch2 libcli11-dev
      ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo
      g++-aarch64-linux-gnu qemu-user-static file  # arm64 cross build and its checks (scripts/test-aarch64-full.sh)
      dpkg-dev  # dpkg-shlibdeps: the .deb's Depends (cpack, scripts/check-install.sh)
      clang libclang-rt-dev llvm  # sanitizer stage (scripts/test-sanitize.sh); fuzzers and their coverage (scripts/fuzz.sh)
      chromium)  # headless render check of the validation report (tests/spec/test_validate.cpp)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
