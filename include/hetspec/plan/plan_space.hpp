// The space of plans a sweep explores: draft PU × target PU or contiguous layer split × LM-head PU
// × γ × CPU threads × weight dtype × mode. Enumeration only; evaluation lives in cost/, ranking in sweep.
#pragma once
#include <cstddef>
#include <functional>
#include <vector>

#include "hetspec/core/dtype.hpp"
#include "hetspec/model/model_spec.hpp"
#include "hetspec/plan/plan.hpp"
#include "hetspec/profile/profile.hpp"

namespace hetspec {

struct PlanSpaceOptions {
  int max_gamma = 16;                 // γ in 0..max_gamma (0 = plain decoding)
  int split_step = 1;                 // layer-split points every split_step layers
  bool splits = true;                 // target layer splits across two PUs
  bool overlapped = true;             // also overlapped-drafting plans
  std::vector<DType> target_dtypes;   // empty: the target spec's weight_dtype
  std::vector<DType> draft_dtypes;    // empty: the draft spec's weight_dtype
  // Bounds (issue 10): a sweep refuses a space of more than max_plans plans before evaluating any;
  // keep_top > 0 keeps only the best keep_top feasible rows (and the first keep_top infeasible ones)
  // while evaluating, so its memory does not grow with the plan count. 0 keeps every row.
  size_t max_plans = 200000;
  size_t keep_top = 0;
};

// Calls visit(plan) for every plan of the space, in a fixed order, holding none of them.
// Whether CPU PU i of this plan leaves one core free: an overlapped plan drives its other side from a
// host thread while the CPU side computes, so where the profile measured all-but-one cores (a CPU of
// 4 or more) and the other side is not a CPU PU, the CPU side does not take every core: 16 Xeon
// threads beside the H200's host thread ran 15-31 % slower than 15 (docs/runs/h200-overlap-threads.md),
// which per-PU tables cannot see. The plan space and the validation grid follow it.
bool leaves_core(const Plan& plan, const Profile& prof, int i);

void for_each_plan(const Profile& prof, const ModelSpec& draft, const ModelSpec& target, const PlanSpaceOptions& opt,
                   const std::function<void(const Plan&)>& visit);
size_t count_plans(const Profile& prof, const ModelSpec& draft, const ModelSpec& target, const PlanSpaceOptions& opt);
std::vector<Plan> enumerate_plans(const Profile& prof, const ModelSpec& draft, const ModelSpec& target,
                                  const PlanSpaceOptions& opt);

}  // namespace hetspec
