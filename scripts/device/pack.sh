#!/usr/bin/env bash
# Packs what the device machine needs into .dev/ (git-ignored, sent with `carry`): the hetspec binary,
# the one shared library it needs that the device image lacks (yaml-cpp), and the SmolLM2 model cut in
# two pieces of < 64 MiB (one per call). Usage: scripts/device/pack.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .dev/lib .dev/p1 .dev/p2
cp build/hetspec .dev/hetspec
strip .dev/hetspec
cp -L /usr/lib/x86_64-linux-gnu/libyaml-cpp.so.0.7 .dev/lib/
M=$(bash scripts/fetch-models.sh)
split -b 50M "$M" .dev/model.part
mv .dev/model.partaa .dev/p1/ && mv .dev/model.partab .dev/p2/
du -sh .dev .dev/*
