// One `hetspec run`: a plan and the plain-decoding baselines it is judged against, run on the same
// prompts in one process. Measurement hygiene: a warm-up request per arm first (it also picks the
// baseline: the target's plain decoding on each single PU, the fastest one wins), fresh KV state for
// every request (no draft state survives a request), and the arms interleaved prompt by prompt in a
// rotating order so that drift (thermal, noisy neighbours) hits them alike.
#pragma once
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "hetspec/engine/runner/device_registry.hpp"
#include "hetspec/plan/plan.hpp"
#include "hetspec/profile/profile.hpp"
#include "hetspec/spec/prompts.hpp"
#include "hetspec/spec/speculative.hpp"

namespace hetspec {

struct ExperimentConfig {
  std::string target_path;
  std::string draft_arg;          // a GGUF path or "self:K"; ignored for a plain plan
  Plan plan;
  Profile profile;                // PU ids -> engine devices (plan_binding.hpp)
  std::vector<PromptItem> prompts;
  SpecOptions opt;                // sampler, accept_rate, max_new, seeds (γ and mode come from the plan)
  bool chat = true;               // apply the target's chat template when it has one
  int warmup = 1;                 // warm-up requests per arm (the first prompt)
  bool batch_invariant = false;   // runners in batch-invariant mode (exactness checks)
  bool baselines = true;          // run plain-decoding baselines beside the plan
  std::string baseline_pu = "best";  // "best": each single PU on the warm-up, fastest wins; or a profile PU id
  std::function<void(const std::string&)> progress;
  DeviceRegistry* registry = nullptr;  // shared across experiments (OpenCL programs compile once); null: own
};

struct ArmRun {
  std::string name;               // "plan", "baseline", "plan-target"
  std::string placement;          // "draft: ...; target: ..."
  int gamma = 0;
  Mode mode = Mode::Sequential;
  std::vector<RequestTrace> requests;  // one per prompt, in prompt order
  std::vector<std::string> texts;      // the generated text of each request
};

struct ExperimentResult {
  std::vector<ArmRun> arms;       // arms[0] is the plan
  std::vector<std::pair<std::string, double>> baseline_candidates;  // placement -> warm-up µs per token
  bool timing_mode = false;
  std::string draft_desc, target_desc;
};

// Checks everything that can be checked before a model is loaded, then runs. Errors name the input.
ExperimentResult run_experiment(const ExperimentConfig& cfg);

}  // namespace hetspec
