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
