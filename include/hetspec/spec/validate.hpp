// `hetspec validate`: the product's proof. Acceptance is measured on a calibration split of the
// prompts (or given, in timing mode); every plan of a grid (or the sweep's top N) is predicted by the
// cost model with that acceptance and the held-out prompts' request shape; then every plan runs on
// the held-out prompts with plain decoding on the best single PU interleaved, and prediction and
// measurement are joined plan by plan and phase by phase.
#pragma once
#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "hetspec/cost/acceptance.hpp"
#include "hetspec/cost/spec_cost.hpp"
#include "hetspec/spec/experiment.hpp"
#include "hetspec/spec/llamacpp_loop.hpp"
#include "hetspec/spec/prediction_band.hpp"
#include "hetspec/spec/summary.hpp"

namespace hetspec {

struct ValidateConfig {
  Profile profile;
  std::string profile_path;
  std::string target_path, draft_arg;  // draft: GGUF or self:K
  std::vector<PromptItem> prompts;
  std::vector<double> accept_rate;     // timing mode when non-empty
  bool accept_stratified = true;       // timing mode: stratified draws (SpecOptions)
  std::string plans = "grid";          // grid | top:N
  std::vector<int> gammas = {0, 1, 2, 3, 4, 6, 8};
  int calibration_prompts = 8;         // the first ones measure acceptance (not in timing mode)
  int held_out = 0;                    // 0: all remaining prompts
  int max_new = 32;
  int threads = 0;                     // CPU threads of the plans (0: the CPU PU's cores)
  std::vector<std::string> pus;        // the grid's PUs (empty: every PU of the profile that runs here)
  bool chat = true;
  std::function<void(const std::string&)> progress;
  std::function<bool()> cancelled;     // Ctrl-C: stop after the plan in flight, keep what is done
  // --engine llama.cpp (llamacpp_validate.hpp): the directory of llama-speculative and llama-completion,
  // PU -> llama.cpp device names, and how long one tool run may take.
  std::string llama_bin;
  std::map<std::string, std::string> device_map;
  double tool_timeout_s = 600;
  // --acceptance-from llama.cpp: acceptance per target placement measured by llama.cpp's own loop on
  // the calibration prompts (Validation::acceptance_by_target). Off by default: on the H200 machine its
  // per-γ totals on 4 prompts predicted held-out tokens per iteration worse (14 % median) than
  // hetspec's pooled per-position estimate (9.6 %), docs/llamacpp.md.
  bool engine_acceptance = false;
  std::map<std::string, Acceptance> prior_acceptance_by_target;  // --resume: what the first call measured
  // --plain-from calibration: plain decoding's llama.cpp term re-fitted on the calibration prompts
  // (PlainTermFit); profile (default): the profile's as it is. Opt-in: on the 2-core Intel VM the
  // re-fit caught a slow phase of the host and took the median speedup error from 7.4 % to 23.1 %
  // on the same measurements (docs/llamacpp.md).
  bool plain_from_calibration = false;
  std::vector<PlainTermFit> prior_plain_terms;  // --resume: what the first call fitted
};

struct PlanOutcome {
  std::string id;                      // "p07"
  Plan plan;
  std::string description;
  Estimate predicted;                  // speedup filled (vs the predicted best single-PU plain decoding)
  // The predicted speedup's 95 % band over resamples of the calibration prompts (prediction_band.hpp);
  // NAN where there is none (timing mode, acceptance measured by the plans' engine, a stored
  // validation from before 2026-12-03).
  Band predicted_band{NAN, NAN};
  double predicted_baseline_us = 0;
  bool measured = false;
  ArmSummary plan_arm, baseline_arm;   // measured
  Interval speedup;                    // measured, 95% bootstrap over prompts
};

struct Validation {
  std::string profile_name, profile_path, host, date, target, draft;
  std::string engine = "hetspec";      // who ran the plans: "hetspec", or "llama.cpp <commit>"
  bool timing_mode = false;
  Acceptance acceptance;               // what the predictions used
  std::vector<PositionAcceptance> acceptance_measured;  // from the calibration split (empty in timing mode)
  std::vector<std::vector<AcceptCount>> acceptance_per_prompt;  // the same counts, per calibration prompt
  // Acceptance measured by the engine that runs the plans, per target placement (target_key: "cpu
  // head=cpu", "cpu[0-14]+cl:0[15-29] head=cl:0"): llama.cpp's CPU and CUDA targets emit different
  // greedy text and accept differently. A plan whose target is placed so predicts with it; other plans
  // with `acceptance`.
  std::map<std::string, Acceptance> acceptance_by_target;
  // llama.cpp only: plain decoding's term as re-fitted on the calibration prompts (the predictions,
  // and repredict, use these in place of the profile's).
  std::vector<PlainTermFit> plain_terms;
  Workload workload;
  double break_even_alpha = -1;        // predicted
  std::vector<PlanOutcome> plans;
};

// The key of a plan's target placement in Validation::acceptance_by_target, and the acceptance the plan
// predicts with.
std::string target_key(const Plan& p, const Profile& prof, int target_layers);
const Acceptance& acceptance_for(const Validation& v, const Plan& p, const Profile& prof, int target_layers);

// The acceptance a validation predicts with, from the calibration split's per-position counts
// (pooled_acceptance: positions >= 2 shrunk toward their pooled rate). Empty when nothing was drafted.
std::vector<double> acceptance_from_counts(const std::vector<PositionAcceptance>& measured);

// The plan grid over this profile's PUs: target on each single PU / split across the first two,
// draft on each PU (sequential), and on the other PU (overlapped), for every γ; γ = 0 once per target
// placement.
std::vector<Plan> validation_grid(const Profile& prof, const ModelSpec& draft, const ModelSpec& target,
                                  const std::vector<int>& gammas, int threads, const std::vector<std::string>& only = {});

Validation run_validation(const ValidateConfig& cfg, const std::vector<PlanOutcome>& done = {});

// Fills each plan's predicted_band from v.acceptance_per_prompt (plans that predict with
// acceptance_by_target get none); γ = 0 plans get their point. `w` as the predictions used.
// "predicted 0.512x [band 0.435, 0.582]" (the band where the plan has one): the progress line of a run.
std::string predicted_speedup_text(const PlanOutcome& o);

void add_prediction_bands(std::vector<PlanOutcome>& plans, const Validation& v, const Profile& prof, const ModelSpec& draft,
                          const ModelSpec& target, const Workload& w);

// The steps every engine's validation shares (hetspec's executor here, llama.cpp's tools in
// llamacpp_validate.hpp): the report header, the models, the prompt split and the held-out request
// shape; acceptance (given, or measured with hetspec's executor, greedy, on the calibration split at
// the largest γ: the same verification rule every greedy engine applies); every plan predicted
// against the best plain decoding of the grid (or the top N, or plan files); and, on --resume, the
// plans measured before.
struct ValidationStart {
  ModelSpec target, draft;
  std::vector<PromptItem> calib, held;
};
ValidationStart begin_validation(const ValidateConfig& cfg, Validation& v);  // header, models
void split_prompts(const ValidateConfig& cfg, ValidationStart& st, Validation& v);  // calib / held, request shape
void measure_acceptance(const ValidateConfig& cfg, const ValidationStart& st, const std::vector<int>& threads,
                        DeviceRegistry& registry, Validation& v);
std::vector<PlanOutcome> predict_plans(const ValidateConfig& cfg, const std::vector<Plan>& grid, const ValidationStart& st,
                                       Validation& v);
void keep_measured(std::vector<PlanOutcome>& outs, const std::vector<PlanOutcome>& done);
// "  (3 of 51 done, 1:12 elapsed, ~18:40 left)": the plans measured so far set the pace.
std::string progress_eta(std::chrono::steady_clock::time_point t0, int done, int total);

// Predicts every plan of a stored validation again (same request shape; an acceptance measured on
// the calibration split is re-estimated from its counts) with another profile or a changed cost
// model; measurements are kept. The profile must have the PU indices the
// plans were made with (the same PUs in the same order).
void repredict(Validation& v, const Profile& prof, const std::string& profile_path, const ModelSpec& draft,
               const ModelSpec& target);

}  // namespace hetspec
