// llama.cpp's own forward costs, measured through llama-bench (its JSON output, parsed with a real
// JSON parser), so that the cost model can predict plans as llama.cpp runs them: one forward of m
// tokens at context depth n is llama-bench's prompt test `-p m -d n -n 0` (the depth's prefill is not
// timed). llama-bench computes one row of logits per prompt test while a verify computes m, so the
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
  std::vector<int> ms = {1, 2, 4, 8, 16};
  std::vector<int> depths = {64};
  int reps = 3;
  int ngl = 0;                      // layers on a device (0: CPU)
  int timeout_s = 900;
};
// Runs llama-bench as a child process (with a timeout); errors name the tool, its flags and the end of
// its stderr.
std::vector<LlamaBenchPoint> run_llama_bench(const LlamaBenchRun& r);

// `base` (a hetspec profile of this machine: host costs, bandwidth, links) with its CPU PU's whole
// forwards replaced by llama.cpp's: one ForwardCheck per point, named after the model spec, plus
// (m − 1) head rows from the base profile's head cost; the other PUs are dropped (llama.cpp's GPU
// backends are not profiled here). Provenance says which engine and version it describes.
Profile llama_bench_profile(const Profile& base, const std::vector<std::pair<ModelSpec, std::vector<LlamaBenchPoint>>>& runs,
                            const std::string& exe);

}  // namespace hetspec
