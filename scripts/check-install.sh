#!/usr/bin/env bash
# Checks hetspec the way an adopter gets it, from the already-built build directory (scripts/test.sh
# calls it after the tests; on its own it builds first). Everything goes to a temp dir, removed after:
#   1. cmake --install into a temp prefix; the installed `hetspec --version`, and a sweep by bundled
#      names (--soc nxp-imx95 ...) run from a directory outside the source tree;
#   2. tests/consumer, a separate CMake project, built with find_package(hetspec CONFIG REQUIRED)
#      against that prefix, then run (the cost model's math and the installed configs through the library);
#   3. pkg-config --cflags --libs hetspec, and the same consumer compiled and linked with those flags alone;
#   4. cpack -G DEB: dpkg-deb -I shows Depends (dpkg-shlibdeps), dpkg-deb -c lists the files, and the
#      package extracted with dpkg-deb -x into a temp root runs `--version` and a bundled-name sweep
#      from there; `apt-get install -s ./hetspec_*.deb` (apt's resolution, simulated). It is not really
#      installed with dpkg/apt here: this machine is shared (README: Install).
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
BUILD="$SRC/${HETSPEC_BUILD_DIR:-build}"
start=$(date +%s)
bash scripts/build.sh >/dev/null   # a no-op after scripts/test.sh's build (all targets: one build identity)
TMP=$(mktemp -d /tmp/hetspec-check-install.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "check-install: FAILED: $*" >&2; exit 1; }
VERSION=$(sed -n 's/^project(hetspec VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)

# A bundled-name sweep from $1 (a hetspec binary), run in a directory outside the source tree.
sweep_by_name() {
  mkdir -p "$TMP/elsewhere" && (cd "$TMP/elsewhere" &&
    env -u HETSPEC_DATA_DIR "$1" sweep --soc nxp-imx95 --target llama-3.2-3b --draft llama-3.2-1b --max-gamma 4 \
      --out "$TMP/elsewhere/sweep" >"$TMP/sweep.txt") || fail "bundled-name sweep with $1"
  grep -q '"hetspec.sweep/1"' "$TMP/elsewhere/sweep/sweep.json" || fail "sweep.json of $1"
  echo "check-install: $1: $(grep '^best plan' "$TMP/sweep.txt")"
}

echo "== 1. cmake --install"
PREFIX="$TMP/prefix"
cmake --install "$BUILD" --prefix "$PREFIX" >/dev/null
for f in bin/hetspec lib/libhetspec.a include/hetspec/cost/spec_cost.hpp lib/cmake/hetspec/hetspecConfig.cmake \
         lib/cmake/hetspec/hetspecConfigVersion.cmake lib/pkgconfig/hetspec.pc share/hetspec/configs/socs/nxp-imx95.yaml \
         share/hetspec/configs/models/llama-3.2-3b.yaml share/hetspec/configs/plans share/hetspec/configs/prompts \
         share/hetspec/models/smollm2-135m-draft.gguf share/hetspec/schemas/sweep.schema.json; do
  [ -e "$PREFIX/$f" ] || fail "not installed: $f"
done
"$PREFIX/bin/hetspec" --version | tee "$TMP/version.txt"
grep -q "^hetspec $VERSION (git " "$TMP/version.txt" || fail "--version"
sweep_by_name "$PREFIX/bin/hetspec"
(cd "$TMP" && "$PREFIX/bin/hetspec" sweep --soc no-such-soc --target llama-3.2-3b --draft llama-3.2-1b 2>"$TMP/err.txt") && fail "an unknown name succeeded"
grep -q "share/hetspec/configs/socs" "$TMP/err.txt" || fail "unknown-name error: $(cat "$TMP/err.txt")"

echo "== 2. find_package(hetspec CONFIG REQUIRED) from tests/consumer"
cmake -S tests/consumer -B "$TMP/consumer" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$PREFIX" >/dev/null
cmake --build "$TMP/consumer" >/dev/null
"$TMP/consumer/consumer" "$PREFIX/share/hetspec/configs" | tee "$TMP/consumer.txt"
grep -q '^expected_tokens 3.36160$' "$TMP/consumer.txt" || fail "consumer: expected_tokens"
grep -q '^profile NXP i.MX 95\|^profile .* with [0-9]* PUs' "$TMP/consumer.txt" || fail "consumer: profile"

echo "== 3. pkg-config"
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
pkg-config --modversion hetspec | grep -qx "$VERSION" || fail "pkg-config --modversion"
FLAGS=$(pkg-config --cflags --libs hetspec) || fail "pkg-config --cflags --libs"
echo "pkg-config --cflags --libs hetspec: $FLAGS"
g++ -std=c++20 -O1 tests/consumer/main.cpp $FLAGS -o "$TMP/pc-consumer"
"$TMP/pc-consumer" | grep -q '^expected_tokens 3.36160$' || fail "pkg-config consumer"

echo "== 4. cpack -G DEB"
(cd "$BUILD" && cpack -G DEB -B "$TMP/deb" >"$TMP/cpack.log" 2>&1) || { cat "$TMP/cpack.log"; fail "cpack -G DEB"; }
DEB="$TMP/deb/hetspec_${VERSION}_$(dpkg --print-architecture).deb"
[ -f "$DEB" ] || fail "no $DEB"
echo "$(basename "$DEB"): $(du -h "$DEB" | cut -f1)"
DEPENDS=$(dpkg-deb -f "$DEB" Depends)
echo "Depends: $DEPENDS"
for lib in libc6 libstdc++6 libyaml-cpp; do
  echo "$DEPENDS" | grep -q "$lib" || fail "Depends lacks $lib"
done
dpkg-deb -c "$DEB" > "$TMP/deb-files.txt"
for f in ./usr/bin/hetspec ./usr/lib/libhetspec.a ./usr/lib/cmake/hetspec/hetspecConfig.cmake \
         ./usr/share/hetspec/configs/socs/nxp-imx95.yaml ./usr/share/hetspec/models/smollm2-135m-draft.gguf; do
  grep -q " $f\$" "$TMP/deb-files.txt" || fail "the .deb lacks $f"
done
echo "$(wc -l < "$TMP/deb-files.txt") entries in the package"
# apt's own resolution of the package and its Depends against this machine's package lists, simulated
# (apt-get -s changes nothing): what `apt-get install ./hetspec_*.deb` would do here.
(cd "$(dirname "$DEB")" && apt-get install -s "./$(basename "$DEB")" >"$TMP/apt-s.txt" 2>&1) ||
  { cat "$TMP/apt-s.txt"; fail "apt-get install -s ./$(basename "$DEB")"; }
grep -q "^Inst hetspec " "$TMP/apt-s.txt" || { cat "$TMP/apt-s.txt"; fail "apt-get -s does not install hetspec"; }
echo "apt-get install -s: $(grep '^Inst ' "$TMP/apt-s.txt" | tr '\n' ';')"
dpkg-deb -x "$DEB" "$TMP/root"
"$TMP/root/usr/bin/hetspec" --version
sweep_by_name "$TMP/root/usr/bin/hetspec"

echo "check-install: OK ($(( $(date +%s) - start )) s)"
