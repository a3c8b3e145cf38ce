#!/usr/bin/env bash
# Line coverage of the fuzzers' corpora (issue 10), called by scripts/fuzz.sh after fuzzing: builds the
# fuzz targets a second time, in build-fuzz-cov/ (clang source-based coverage, -O0, no sanitizer),
# replays each target's final corpus (build-fuzz/corpus/<target>, seeds plus what libFuzzer kept) once
# with -runs=0, merges the profile (llvm-profdata) and reads the line counts of the library's src/
# files (llvm-cov export). Per target it writes build-fuzz/<target>.cov, one line
#   <covered> <lines> <covered in entered> <lines in entered> <files entered>
# where "lines" counts every line of the src/ files linked into the target (what it can reach through
# the static library), and "entered" only the src/ files of which the corpus ran at least one line;
# and build-fuzz/<target>.cov.txt, the line coverage of each entered file.
#   bash scripts/fuzz-coverage.sh [targets...]     default: every target with a corpus in build-fuzz/corpus
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=$ROOT/build-fuzz
CB=$ROOT/build-fuzz-cov
# The profile tools must match the compiler's version (Debian 12: clang 14, llvm-profdata-14, llvm-cov-14).
V=$(clang++ -dumpversion | cut -d. -f1)
PROFDATA=$(command -v "llvm-profdata-$V" || command -v llvm-profdata || true)
COV=$(command -v "llvm-cov-$V" || command -v llvm-cov || true)
if [ -z "$PROFDATA" ] || [ -z "$COV" ]; then
  echo "fuzz-coverage: needs llvm-profdata and llvm-cov (Debian: llvm)" >&2
  exit 2
fi
[ -d "$B/corpus" ] || { echo "fuzz-coverage: no corpus in $B/corpus: run scripts/fuzz.sh first" >&2; exit 2; }

LAUNCHER=()
command -v ccache >/dev/null && LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$CB" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-O0 -DCMAKE_CXX_COMPILER=clang++ \
  -DHETSPEC_FUZZ=ON -DHETSPEC_FUZZ_COVERAGE=ON -DHETSPEC_WITH_OPENCL=OFF -DHETSPEC_MICROBENCH=OFF "${LAUNCHER[@]}" >/dev/null
flock /tmp/hetspec-build.lock cmake --build "$CB" -j2 --target fuzzers

TARGETS=${*:-$(ls "$B/corpus")}
for t in $TARGETS; do
  rm -f "$CB/$t.profraw"
  # Same limits as the fuzzing run, so every input replays as it was fuzzed (-max_len truncates longer ones).
  LLVM_PROFILE_FILE="$CB/$t.profraw" "$CB/fuzz/$t" "$B/corpus/$t" -runs=0 -max_len=1048576 -timeout=60 \
    -rss_limit_mb=4096 >"$CB/$t.replay.log" 2>&1 || { echo "fuzz-coverage: $t's replay failed ($CB/$t.replay.log)" >&2; exit 1; }
  "$PROFDATA" merge -sparse "$CB/$t.profraw" -o "$CB/$t.profdata"
  "$COV" export -summary-only -instr-profile="$CB/$t.profdata" "$CB/fuzz/$t" > "$CB/$t.json"
  python3 - "$CB/$t.json" "$ROOT/src/" "$B/$t.cov" "$B/$t.cov.txt" <<'PY'
import json, sys
data, src, out, per_file = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
files = [f for f in json.load(open(data))["data"][0]["files"] if f["filename"].startswith(src)]
lines = lambda f: f["summary"]["lines"]
entered = [f for f in files if lines(f)["covered"] > 0]
cov, tot = sum(lines(f)["covered"] for f in files), sum(lines(f)["count"] for f in files)
ecov, etot = sum(lines(f)["covered"] for f in entered), sum(lines(f)["count"] for f in entered)
open(out, "w").write(f"{cov} {tot} {ecov} {etot} {len(entered)}\n")
with open(per_file, "w") as o:
    for f in sorted(entered, key=lambda f: -lines(f)["count"]):
        l = lines(f)
        o.write(f"{l['covered']:6d} / {l['count']:6d}  {100.0 * l['covered'] / l['count']:5.1f} %  {f['filename'][len(src):]}\n")
PY
done
