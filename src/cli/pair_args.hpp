// Flags shared by `sweep` and `predict`: the SoC profile, the model pair, the acceptance and the
// request shape, and their loading (all validation lives in the library; this only wires flags).
#pragma once
#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "hetspec/cost/acceptance.hpp"
#include "hetspec/cost/spec_cost.hpp"
#include "hetspec/model/model_spec.hpp"
#include "hetspec/profile/profile.hpp"

namespace hetspec::cli {

struct PairArgs {
  std::string soc, target, draft, alpha = "0.7";
  int prompt_tokens = 64, gen_tokens = 64;
  bool greedy = false;
};

struct LoadedPair {
  Profile prof;
  ModelSpec target, draft;
  Acceptance acc;
  Workload workload;
};

void add_pair_options(CLI::App& app, PairArgs& a);
LoadedPair load_pair(const PairArgs& a);
// Per-token µs of plain decoding of the target in `dtype` on its best single PU (0: none feasible):
// what a plan's speedup is measured against.
double best_plain_us(const LoadedPair& p, DType dtype);

}  // namespace hetspec::cli
