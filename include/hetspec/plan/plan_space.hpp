// The space of plans a sweep explores: draft PU × target PU or contiguous layer split × LM-head PU
// × γ × CPU threads × weight dtype × mode. Enumeration only; evaluation lives in cost/, ranking in sweep.
#pragma once
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
};

std::vector<Plan> enumerate_plans(const Profile& prof, const ModelSpec& draft, const ModelSpec& target,
                                  const PlanSpaceOptions& opt);

}  // namespace hetspec
