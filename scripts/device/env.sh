# Sourced by the H200 machine's scripts: the shared set-up of every call there. Enables NVIDIA's
# OpenCL (the image does not register it), puts the carried yaml-cpp on the library path, copies the
# carried hetspec binary to $STATE (which survives back-to-back calls while the machine stays warm),
# and names the joined SmolLM2 model there. Expects OUT to be set by the caller.
STATE="${STATE:-/tmp/hetspec-h200}"
mkdir -p "$OUT" "$STATE" /etc/OpenCL/vendors
echo libnvidia-opencl.so.1 > /etc/OpenCL/vendors/nvidia.icd
export LD_LIBRARY_PATH="$PWD/.dev/lib:${LD_LIBRARY_PATH:-}"
B="$STATE/hetspec"
cp .dev/hetspec "$B" 2>/dev/null || true
M="$STATE/SmolLM2-135M-Instruct.Q4_1.gguf"
stamp() { echo "## $(date -u +%T) $*"; }
# tune FILE "key: value" ...: a tuning file (HETSPEC_CL_TUNING) for every device.
tune() {  # tune FILE key: value ... -> a tuning file for every device
  local f=$1
  shift
  { printf 'devices:\n  - match: "*"\n'; for kv in "$@"; do printf '    %s\n' "$kv"; done; } > "$f"
}
# The NVIDIA OpenCL device's id (cl:N), or exit 2 with a line.
nvidia_gpu() {
  local g
  g=$($B devices | awk '/^cl:[0-9]+/ && /NVIDIA|H200/ {print $1; exit}')
  [ -n "$g" ] || { echo "no NVIDIA OpenCL device" >&2; exit 2; }
  echo "$g"
}
# make_random_models DIR spec:dtype ...: random-weight GGUFs DIR/random-<spec>-<dtype>.gguf (seed 1; timings
# do not depend on the weights' values), made once with the carried hetspec.
make_random_models() {
  local dir=$1 sd f
  shift
  mkdir -p "$dir"
  for sd in "$@"; do
    f="$dir/random-${sd%:*}-${sd#*:}.gguf"
    [ -s "$f" ] || $B make-model --spec "configs/models/${sd%:*}.yaml" --seed 1 --dtype "${sd#*:}" --out "$f" >/dev/null
  done
}
# cl_parity_tests GPU FILTER [LOG]: the carried test binary's OpenCL tests on GPU (the test binary looks
# for the repository and the CLI where they were built, /work/main); the last lines, or all into LOG.
cl_parity_tests() {
  local gpu=$1 filter=$2 log=${3:-} s=$SECONDS
  [ -x .dev/hetspec_tests ] || { echo "no .dev/hetspec_tests (scripts/device/pack.sh)"; return 0; }
  [ -e /work/main ] || { mkdir -p /work && ln -s "$PWD" /work/main; }
  [ -x /work/main/build/hetspec ] || { mkdir -p /work/main/build && cp "$B" /work/main/build/hetspec; }
  if [ -n "$log" ]; then
    HETSPEC_TEST_CL_DEVICE=$gpu .dev/hetspec_tests "$filter" >> "$log" 2>&1
    tail -3 "$log"
  else
    HETSPEC_TEST_CL_DEVICE=$gpu .dev/hetspec_tests "$filter" 2>&1 | grep -v "warnings generated" | tail -15
  fi
  echo "tests: $((SECONDS - s)) s"
}
# rounds "ORDER1|ORDER2|..." "MODEL ..." BENCH-FORWARD-ARGS...: per round (one per ORDER, tunings
# $STATE/<name>.yaml in that order) and model ($MD/MODEL.gguf), one bench-forward line per tuning into
# $T: "m=M T ms; ..." and the tg rate when the arguments ask for one. Expects GPU, MD and T set.
rounds() {
  local orders=$1 models=$2 order mf v rep=0
  shift 2
  IFS='|' read -ra orders <<< "$orders"
  for order in "${orders[@]}"; do
    rep=$((rep + 1))
    for mf in $models; do
      for v in $order; do
        printf '%s rep %s %-26s ' "$v" "$rep" "$mf" | tee -a "$T"
        HETSPEC_CL_TUNING="$STATE/$v.yaml" timeout 90 $B bench-forward -m "$MD/$mf.gguf" --device "$GPU" "$@" 2>&1 |
          awk '/^ +[0-9]+ / {printf "m=%s %s ms; ", $1, $2} /^tg/ {printf "%s tok/s", $(NF-1)} END {print ""}' | tee -a "$T"
      done
    done
  done
  stamp "done" | tee -a "$T"
}
