// The cost model's per-iteration phases in the executor's attribution, so that a prediction and a
// trace compare phase by phase. The executor times each forward whole (its own logits sync and read
// fall inside draft / verify), records only layer-split crossings as hand-off (transfer stays 0), and
// counts every sampling pass — the target's checks and a re-draft's sampling included — as host.
// The phases still add up to the cost model's iteration time. Pure.
#pragma once
#include "hetspec/cost/spec_cost.hpp"

namespace hetspec {

PhaseTimes executor_phases(const PlanTiming& t, const Estimate& e, const Plan& plan, const Acceptance& acc);
// time_plan + finish + the above.
PhaseTimes executor_phases(const Plan& plan, const ModelSpec& draft, const ModelSpec& target, const Profile& prof,
                           const Acceptance& acc, const Workload& w);

// A trace's phases with transfer folded into hand-off (the executor cannot tell them apart).
PhaseTimes measured_phases(const PhaseTimes& measured);

}  // namespace hetspec
