// `hetspec profile` as a library call: measures every PU named (the CPU always: it is the host) on
// the shapes of the given models and writes a hetspec.profile/1 file whose PU ids are the engine's
// device ids, so plans swept on it run as they are. The work is a list of phases (bandwidth,
// overheads, matmul tables, layer stages, sampling, contention, forward checks); after each, the
// profile so far and the finished phase ids go to a sidecar "<out>.partial" (atomically), and
// --resume continues from it without redoing finished phases.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "hetspec/profile/profile.hpp"

namespace hetspec::bench {

struct ProfileRequest {
  std::string out;                          // profiles/<name>.yaml
  std::vector<std::string> models;          // GGUF files, or hetspec.model/1 YAML (random weights are made)
  std::vector<std::string> devices = {"cpu"};  // engine ids; "cpu" is added when missing
  bool quick = false;
  double budget_s = 0;                      // 0: 60 with quick, else 600
  bool resume = false;
  int rounds = 0;                           // passes over the kernel grid, medians kept (0: 3)
  std::string command;                      // the command line, for provenance
  std::string model_cache;                  // where random-weight GGUFs of YAML specs go ("" : next to out)
};

struct Progress {
  std::string phase;   // "gemm cpu t2 smollm2-135m"
  int index = 0, total = 0;
  double elapsed_s = 0, left_s = 0;  // left: the budget's estimate
};
using ProgressFn = std::function<void(const Progress&)>;

// Checks the request (devices exist, models readable, budget big enough) and throws Error naming the
// flag or file before anything is measured. Fills defaults (budget, cpu in devices).
void validate_request(ProfileRequest& r);
// Runs (or resumes) the profile, writes r.out atomically and removes the sidecar. Returns the profile.
Profile run_profile(ProfileRequest r, const ProgressFn& progress);

std::string partial_path(const std::string& out);

}  // namespace hetspec::bench
