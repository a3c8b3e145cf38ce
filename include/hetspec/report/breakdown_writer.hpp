// `hetspec predict` output: one plan's per-phase times, per-subgraph time per PU, memory per PU
// and the dominant term, as text and JSON.
#pragma once
#include <string>

#include "hetspec/cost/spec_cost.hpp"

namespace hetspec {

struct BreakdownContext {
  const Profile* prof;
  const ModelSpec* draft;
  const ModelSpec* target;
  const Acceptance* acc;
  Workload workload;
};

std::string breakdown_text(const Plan& plan, const PlanTiming& t, const Estimate& e, double baseline_us,
                           const BreakdownContext& c);
std::string breakdown_json(const Plan& plan, const PlanTiming& t, const Estimate& e, double baseline_us,
                           const BreakdownContext& c);

}  // namespace hetspec
