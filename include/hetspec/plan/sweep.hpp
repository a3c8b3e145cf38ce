// Sweep: evaluate every plan of the space, rank the feasible ones by per-token latency, price each
// against the honest baseline (plain decoding of the target on its best single PU, same dtype), and
// find the break-even acceptance rate (the smallest scalar α at which speculation wins).
// The plans are streamed (plan_space's for_each_plan), never held: memory is the rows kept, all of
// them by default or the best opt.keep_top; a space above opt.max_plans is an error before any work.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "hetspec/cost/spec_cost.hpp"
#include "hetspec/plan/plan_space.hpp"

namespace hetspec {

struct SweepRow {
  Plan plan;
  Estimate est;
};

struct SweepResult {
  std::vector<SweepRow> ranked;      // feasible, best (lowest per-token latency) first; the best keep_top when set
  std::vector<SweepRow> infeasible;  // with est.reason; the first keep_top when set
  size_t feasible_total = 0, infeasible_total = 0;        // every plan, kept or not
  std::map<std::string, size_t> infeasible_reasons;       // reason -> plans, every plan
  std::map<DType, SweepRow> baseline;  // per target dtype: best plain decoding on one PU
  double break_even_alpha = -1;      // -1: speculation never wins, even at α = 1
  size_t evaluated = 0;
  double seconds = 0;                // wall time of enumeration + evaluation
};

SweepResult run_sweep(const Profile& prof, const ModelSpec& draft, const ModelSpec& target, const Acceptance& acc,
                      const Workload& w, const PlanSpaceOptions& opt);

// Smallest scalar α in [0, 1] at which some speculative plan beats the baseline (bisection, 1e-4;
// -1 when none wins even at α = 1). run_sweep computes the same, plan by plan, while streaming.
double break_even_alpha(const std::vector<Plan>& plans, const std::vector<PlanTiming>& timings,
                        const ModelSpec& draft, const Workload& w, const std::map<DType, double>& baseline_us);

}  // namespace hetspec
