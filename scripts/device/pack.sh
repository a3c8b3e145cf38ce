#!/usr/bin/env bash
# Packs what the device machine needs into .dev/ (git-ignored, sent with `carry`): the hetspec binary
# (and the test binary),
# the one shared library it needs that the device image lacks (yaml-cpp), and the SmolLM2 model cut in
# three pieces of 33 MiB (one per call: the repository travels too, and all of it must stay under
# 64 MiB). Usage: scripts/device/pack.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .dev/lib .dev/p1 .dev/p2 .dev/p3
cp build/hetspec .dev/hetspec
strip .dev/hetspec
# The test binary too, for the OpenCL parity tests on the device's GPU (h200-opencl-fused.sh).
[ -x build/hetspec_tests ] && strip -o .dev/hetspec_tests build/hetspec_tests
cp -L /usr/lib/x86_64-linux-gnu/libyaml-cpp.so.0.7 .dev/lib/
M=$(bash scripts/fetch-models.sh)
rm -f .dev/p*/model.part*
split -b 33M "$M" .dev/model.part
mv .dev/model.partaa .dev/p1/ && mv .dev/model.partab .dev/p2/ && mv .dev/model.partac .dev/p3/
du -sh .dev .dev/*
