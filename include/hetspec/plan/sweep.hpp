// Sweep: evaluate every plan of the space, rank the feasible ones by per-token latency, price each
// against the honest baseline (plain decoding of the target on its best single PU, same dtype), and
// find the break-even acceptance rate (the smallest scalar α at which speculation wins).
#pragma once
#include <map>
#include <vector>

#include "hetspec/cost/spec_cost.hpp"
#include "hetspec/plan/plan_space.hpp"

namespace hetspec {

struct SweepRow {
  Plan plan;
  Estimate est;
};

struct SweepResult {
  std::vector<SweepRow> ranked;      // feasible, best (lowest per-token latency) first
  std::vector<SweepRow> infeasible;  // with est.reason
  std::map<DType, SweepRow> baseline;  // per target dtype: best plain decoding on one PU
  double break_even_alpha = -1;      // -1: speculation never wins, even at α = 1
  size_t evaluated = 0;
  double seconds = 0;                // wall time of enumeration + evaluation
};

SweepResult run_sweep(const Profile& prof, const ModelSpec& draft, const ModelSpec& target, const Acceptance& acc,
                      const Workload& w, const PlanSpaceOptions& opt);

// Smallest scalar α in [0, 1] at which some speculative plan beats the baseline (bisection, 1e-4).
double break_even_alpha(const std::vector<Plan>& plans, const std::vector<PlanTiming>& timings,
                        const ModelSpec& draft, const Workload& w, const std::map<DType, double>& baseline_us);

}  // namespace hetspec
