// llama.cpp's own forward costs, measured through llama-bench (its JSON output, parsed with a real
// JSON parser), so that the cost model can predict plans as llama.cpp runs them: one forward of m
// tokens at context depth n is llama-bench's prompt test `-p m -d n -n 0` (the depth's prefill is not
// timed), the median of its repetitions. llama-bench computes one row of logits per prompt test while a verify computes m, so the
// profile adds (m − 1) LM-head rows priced with the base profile (llama_bench_profile below).
#pragma once
#include <string>
#include <vector>

#include "hetspec/model/model_spec.hpp"
#include "hetspec/profile/profile.hpp"

namespace hetspec {

struct LlamaBenchPoint {
  std::string model_file, build_commit;
  int threads = 0, m = 0, n = 0;
  double us = 0, stddev_us = 0;
};

// llama-bench -o json output; errors name `where` and the field (the tool's format changed).
std::vector<LlamaBenchPoint> parse_llama_bench_json(const std::string& text, const std::string& where);

struct LlamaBenchRun {
  std::string exe;                  // llama-bench
  std::string model;                // GGUF
  std::vector<int> threads = {1};
  // Every verify width of γ ≤ 15 (γ + 1 tokens): llama.cpp's CPU matmuls change path with m (m = 9
  // costs well above the line through 8 and 16), so widths between points are not interpolated.
  std::vector<int> ms = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  std::vector<int> depths = {64};
  int reps = 5;                     // the median of the repetitions is kept
  int ngl = 0;                      // layers on a device (0: CPU)
  std::string device;               // llama.cpp's device for them (-dev, e.g. CUDA0; empty: its default)
  int timeout_s = 900;
};
// Runs llama-bench as a child process (with a timeout); errors name the tool, its flags and the end of
// its stderr.
std::vector<LlamaBenchPoint> run_llama_bench(const LlamaBenchRun& r);

using ModelRuns = std::vector<std::pair<ModelSpec, std::vector<LlamaBenchPoint>>>;
// One of the base profile's accelerator PUs as llama.cpp runs it: every layer and the head offloaded
// to llama.cpp's `device` (-ngl n+1 -dev DEVICE).
struct DeviceRuns {
  std::string pu;      // the base profile's PU id (e.g. cl:0)
  std::string device;  // llama.cpp's name for the same processor (e.g. CUDA0)
  ModelRuns runs;
};

// The index in `base` of a PU a --device-map entry offloads to; Error("--device-map", ...) when the
// base lacks it or it is the CPU. Checked before anything runs, and again by llama_bench_profile.
int llama_device_pu(const Profile& base, const std::string& pu);

// `base` (a hetspec profile of this machine: host costs, bandwidth, links) with its CPU PU's whole
// forwards replaced by llama.cpp's: one ForwardCheck per point, named after the model spec, plus
// (m − 1) head rows from the base profile's head cost. Each of `devices` keeps its base PU (roofline,
// kernel tables, links to the CPU) with llama.cpp's offloaded forwards as its checks (threads 1, as
// the cost model looks them up for a non-CPU PU); the base's other PUs are dropped. Provenance says
// which engine and version it describes.
Profile llama_bench_profile(const Profile& base, const ModelRuns& runs, const std::string& exe,
                            const std::vector<DeviceRuns>& devices = {});

}  // namespace hetspec
