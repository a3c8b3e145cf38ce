#include "hetspec/plan/sweep.hpp"

#include <algorithm>
#include <chrono>

namespace hetspec {

double break_even_alpha(const std::vector<Plan>& plans, const std::vector<PlanTiming>& timings,
                        const ModelSpec& draft, const Workload& w, const std::map<DType, double>& baseline_us) {
  auto wins = [&](double a) {
    Acceptance acc = Acceptance::scalar(a);
    for (size_t i = 0; i < plans.size(); ++i) {
      if (!plans[i].speculative() || !timings[i].feasible) continue;
      auto b = baseline_us.find(plans[i].target.dtype);
      if (b == baseline_us.end()) continue;
      if (finish(timings[i], plans[i], draft, acc, w).per_token_us < b->second) return true;
    }
    return false;
  };
  if (!wins(1.0)) return -1;
  double lo = 0, hi = 1;
  if (wins(0.0)) return 0;
  while (hi - lo > 1e-4) {
    double mid = 0.5 * (lo + hi);
    (wins(mid) ? hi : lo) = mid;
  }
  return hi;
}

SweepResult run_sweep(const Profile& prof, const ModelSpec& draft, const ModelSpec& target, const Acceptance& acc,
                      const Workload& w, const PlanSpaceOptions& opt) {
  auto t0 = std::chrono::steady_clock::now();
  SweepResult r;
  std::vector<Plan> plans = enumerate_plans(prof, draft, target, opt);
  std::vector<PlanTiming> timings;
  timings.reserve(plans.size());
  for (const auto& p : plans) timings.push_back(time_plan(p, draft, target, prof, w));
  r.evaluated = plans.size();

  std::map<DType, double> base_us;
  for (size_t i = 0; i < plans.size(); ++i) {
    Estimate e = finish(timings[i], plans[i], draft, acc, w);
    SweepRow row{plans[i], e};
    if (!e.feasible) {
      r.infeasible.push_back(std::move(row));
      continue;
    }
    if (!plans[i].speculative() && !plans[i].target.is_split()) {
      DType dt = plans[i].target.dtype;
      auto it = r.baseline.find(dt);
      if (it == r.baseline.end() || e.per_token_us < it->second.est.per_token_us) r.baseline[dt] = row;
    }
    r.ranked.push_back(std::move(row));
  }
  for (auto& [dt, row] : r.baseline) base_us[dt] = row.est.per_token_us;
  for (auto& row : r.ranked) {
    auto b = base_us.find(row.plan.target.dtype);
    row.est.speedup = b == base_us.end() ? 0 : b->second / row.est.per_token_us;
  }
  for (auto& [dt, row] : r.baseline) row.est.speedup = 1.0;
  std::stable_sort(r.ranked.begin(), r.ranked.end(),
                   [](const SweepRow& a, const SweepRow& b) { return a.est.per_token_us < b.est.per_token_us; });
  r.break_even_alpha = break_even_alpha(plans, timings, draft, w, base_us);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace hetspec
