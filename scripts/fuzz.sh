#!/usr/bin/env bash
# Fuzzing (issue 10): builds the libFuzzer targets of fuzz/ with clang and ASan+UBSan in build-fuzz/,
# makes seed corpora (small make-model GGUFs and the bundled configs; nothing committed), runs every
# target for SECONDS (default 60), then replays each final corpus through a coverage build
# (scripts/fuzz-coverage.sh) and prints per target: executions, exec/s, libFuzzer's edge coverage (cov)
# and features (ft), sanitizer reports in its log, findings, and the line coverage of the library:
# "src lines" over the src/ files linked into the target, "entered" over the src/ files the corpus ran
# (build-fuzz/<target>.cov.txt lists those per file).
#   bash scripts/fuzz.sh [SECONDS]        HETSPEC_FUZZ_TARGETS="fuzz_gguf ..." to run a subset,
#                                         HETSPEC_FUZZ_JOBS=2 to run two targets at a time,
#                                         HETSPEC_FUZZ_COVERAGE=0 to skip the line coverage
# A finding leaves its input in build-fuzz/artifacts/<target>/ and makes the script exit 1.
set -euo pipefail
SECONDS_PER_TARGET=${1:-60}
cd "$(dirname "$0")/.."
ROOT=$PWD
B=$ROOT/build-fuzz
LAUNCHER=()
command -v ccache >/dev/null && LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DHETSPEC_FUZZ=ON \
  -DHETSPEC_WITH_OPENCL=OFF "${LAUNCHER[@]}" >/dev/null
flock /tmp/hetspec-build.lock cmake --build "$B" -j2 --target fuzzers
HETSPEC=${HETSPEC_BIN:-$ROOT/build/hetspec}  # a release CLI makes the GGUF seeds (the fuzz build has no OpenCL, no CLI)
[ -x "$HETSPEC" ] || { echo "fuzz.sh: build the release CLI first (scripts/build.sh) or set HETSPEC_BIN" >&2; exit 2; }

TARGETS=${HETSPEC_FUZZ_TARGETS:-fuzz_gguf fuzz_yaml_profile fuzz_yaml_model fuzz_yaml_plan fuzz_yaml_acceptance fuzz_prompts fuzz_device_plan}
C=$B/corpus
rm -rf "$C" && mkdir -p "$C"/{fuzz_gguf,fuzz_yaml_profile,fuzz_yaml_model,fuzz_yaml_plan,fuzz_yaml_acceptance,fuzz_prompts,fuzz_device_plan}

# GGUF seeds: tiny random models (BPE tokenizer, llama and qwen2, tied and untied, three dtypes) and the gguf-py fixture.
seed_spec() {  # name arch tied qkv_bias dtype
  cat > "$C/$1.yaml" <<YAML
schema: hetspec.model/1
name: $1
arch: $2
layers: 2
d_model: 32
heads: 4
kv_heads: 2
head_dim: 8
ffn: 64
vocab: 272
context: 64
tied_embeddings: $3
qkv_bias: $4
rope_theta: 10000
weight_dtype: $5
YAML
  "$HETSPEC" make-model --spec "$C/$1.yaml" --seed 1 --out "$C/fuzz_gguf/$1.gguf" >/dev/null
  rm "$C/$1.yaml"
}
seed_spec llama-q8 llama true false q8_0
seed_spec llama-q4 llama false false q4_1
seed_spec qwen-f16 qwen2 true true f16
cp tests/fixtures/gguf_py_v3.gguf "$C/fuzz_gguf/"
cp configs/socs/*.yaml profiles/*.yaml tests/fixtures/*.yaml "$C/fuzz_yaml_profile/"
cp configs/models/*.yaml "$C/fuzz_yaml_model/"
cp configs/plans/*.yaml "$C/fuzz_yaml_plan/"
printf 'schema: hetspec.plan/1\ngamma: 3\nmode: overlapped\ntarget: {pu: cpu, split: {at: 9, pu: gpu}, head: cpu, dtype: q8_0}\ndraft: {pu: gpu}\nthreads: {cpu: 4}\n' \
  > "$C/fuzz_yaml_plan/split.yaml"
printf 'schema: hetspec.acceptance/1\nalpha: [0.85, 0.8, 0.75]\nby_draft_dtype:\n  q8_0: [0.87, 0.82]\n  q4_0: 0.8\nnote: seed\n' \
  > "$C/fuzz_yaml_acceptance/acc.yaml"
cp configs/prompts/*.jsonl "$C/fuzz_prompts/"
for d in cpu cl:0 "cpu:0-11,cl:0:12-29" "cpu:0-11,cl:0:12-29,head=cpu" "cl:1:0-29,head=cl:1"; do
  printf '%s' "$d" > "$C/fuzz_device_plan/$(echo "$d" | tr ':,=' '___').txt"
done

# Runs one target for SECONDS_PER_TARGET; its log and artifacts land in build-fuzz/.
run_target() {
  local t=$1 A=$B/artifacts/$1 rc=0
  rm -rf "$A" && mkdir -p "$A"
  ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$B/fuzz/$t" "$C/$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=4096 -max_len=1048576 \
    -print_final_stats=1 -artifact_prefix="$A/" >"$B/$t.log" 2>&1 || rc=$?
  echo "$rc" > "$B/$t.rc"
}
# HETSPEC_FUZZ_JOBS targets at a time (default 1; each target is one process on one core).
JOBS=${HETSPEC_FUZZ_JOBS:-1}
for t in $TARGETS; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 1; done
  run_target "$t" &
done
wait

status=0
if [ "${HETSPEC_FUZZ_COVERAGE:-1}" = 1 ]; then
  # shellcheck disable=SC2086
  bash scripts/fuzz-coverage.sh $TARGETS || { echo "fuzz.sh: the coverage replay failed" >&2; status=1; }
fi

pct() { awk -v c="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.1f%% of %d", 100 * c / t, t; else printf "?" }'; }
printf '%-22s %12s %8s %6s %6s %8s %8s  %-17s %-17s\n' target executions exec/s cov ft reports findings "src lines" entered
for t in $TARGETS; do
  A=$B/artifacts/$t
  log=$B/$t.log
  rc=$(cat "$B/$t.rc")
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(echo "$last" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*' || echo "?")
  ft=$(echo "$last" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*' || echo "?")
  reports=$(grep -cE 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' "$log" || true)
  found=$(ls "$A" | wc -l)
  lines="-" entered="-"
  if [ -f "$B/$t.cov" ]; then
    read -r c n ec en _ < "$B/$t.cov"
    lines=$(pct "$c" "$n") entered=$(pct "$ec" "$en")
  fi
  if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ] || [ "$reports" -ne 0 ]; then status=1; fi
  printf '%-22s %12s %8s %6s %6s %8s %8s  %-17s %-17s (rc %s, log %s)\n' "$t" "$execs" "$rate" "$cov" "$ft" "$reports" "$found" \
    "$lines" "$entered" "$rc" "$log"
done
rm -f /dev/shm/hetspec-fuzz-*
exit $status
