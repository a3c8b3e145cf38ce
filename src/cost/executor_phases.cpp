#include "hetspec/cost/executor_phases.hpp"

namespace hetspec {

PhaseTimes executor_phases(const PlanTiming& t, const Estimate& e, const Plan& plan, const Acceptance& acc) {
  PhaseTimes x;
  if (!e.feasible) return x;
  const int g = plan.gamma;
  x.catchup = e.phases.catchup;
  x.host = e.phases.host;
  if (g == 0 || plan.mode == Mode::Sequential) {
    x.verify = t.verify.total_us() - t.verify.crossing_us;
    x.handoff = t.verify.crossing_us;
    if (g > 0) {
      const int fwd = t.draft_forwards(g);
      x.draft = fwd * (t.draft1.total_us() - t.draft1.crossing_us);
      x.handoff += fwd * t.draft1.crossing_us;
    }
    return x;
  }
  const int fwd = g + 1;
  x.verify = t.verify_c.total_us() - t.verify_c.crossing_us;
  x.draft = fwd * (t.draft1_c.total_us() - t.draft1_c.crossing_us);
  x.handoff = t.verify_c.crossing_us + fwd * t.draft1_c.crossing_us;
  x.overlap = e.phases.overlap;
  // The re-draft after a miss samples on the host: the executor counts that as host time.
  const double redraft_host = (1.0 - prob_prefix_accepted(acc.for_dtype(plan.draft.dtype), g + 1)) * g * t.host_draft_row_us;
  x.catchup -= redraft_host;
  x.host += redraft_host;
  return x;
}

PhaseTimes executor_phases(const Plan& plan, const ModelSpec& draft, const ModelSpec& target, const Profile& prof,
                           const Acceptance& acc, const Workload& w) {
  PlanTiming t = time_plan(plan, draft, target, prof, w);
  return executor_phases(t, finish(t, plan, draft, acc, w), plan, acc);
}

PhaseTimes measured_phases(const PhaseTimes& m) {
  PhaseTimes x = m;
  x.handoff += x.transfer;
  x.transfer = 0;
  return x;
}

}  // namespace hetspec
