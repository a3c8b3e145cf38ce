#include "hetspec/plan/sweep.hpp"

#include <algorithm>
#include <chrono>

#include "hetspec/core/error.hpp"

namespace hetspec {

namespace {
// Does this plan beat its dtype's baseline at scalar acceptance a?
bool wins_at(const PlanTiming& t, const Plan& p, const ModelSpec& draft, const Workload& w, double base_us, double a) {
  return finish(t, p, draft, Acceptance::scalar(a), w).per_token_us < base_us;
}

// One plan's upper bisection end on [0, 1] (1e-4): the same midpoints for every plan, so the smallest
// of them is what bisecting "some plan wins" over all plans gives.
double plan_break_even(const PlanTiming& t, const Plan& p, const ModelSpec& draft, const Workload& w, double base_us) {
  double lo = 0, hi = 1;
  while (hi - lo > 1e-4) {
    double mid = 0.5 * (lo + hi);
    (wins_at(t, p, draft, w, base_us, mid) ? hi : lo) = mid;
  }
  return hi;
}

// The break-even α over plans seen one at a time: each speculative plan that beats its baseline at
// α = 1 and at the smallest break-even so far is bisected on its own; the minimum over plans equals
// bisecting "some plan wins" over all of them (same midpoints), without holding the plans.
class BreakEven {
 public:
  void add(const PlanTiming& t, const Plan& p, const ModelSpec& draft, const Workload& w, double base_us) {
    if (!p.speculative() || !t.feasible || be_ == 0 || !wins_at(t, p, draft, w, base_us, 1.0)) return;
    if (be_ <= 1 && !wins_at(t, p, draft, w, base_us, be_)) return;
    be_ = wins_at(t, p, draft, w, base_us, 0.0) ? 0 : std::min(be_, plan_break_even(t, p, draft, w, base_us));
  }
  double value() const { return be_ > 1 ? -1 : be_; }

 private:
  double be_ = 2;  // 2: none yet
};

// Rows ordered by per-token latency, ties by enumeration order (what a stable sort gives).
struct Ranked {
  SweepRow row;
  size_t seq;
};
bool faster(const Ranked& a, const Ranked& b) {
  return a.row.est.per_token_us != b.row.est.per_token_us ? a.row.est.per_token_us < b.row.est.per_token_us : a.seq < b.seq;
}
}  // namespace

double break_even_alpha(const std::vector<Plan>& plans, const std::vector<PlanTiming>& timings,
                        const ModelSpec& draft, const Workload& w, const std::map<DType, double>& baseline_us) {
  BreakEven be;
  for (size_t i = 0; i < plans.size(); ++i)
    if (auto b = baseline_us.find(plans[i].target.dtype); b != baseline_us.end()) be.add(timings[i], plans[i], draft, w, b->second);
  return be.value();
}

SweepResult run_sweep(const Profile& prof, const ModelSpec& draft, const ModelSpec& target, const Acceptance& acc,
                      const Workload& w, const PlanSpaceOptions& opt) {
  auto t0 = std::chrono::steady_clock::now();
  const size_t n_plans = count_plans(prof, draft, target, opt);
  if (n_plans > opt.max_plans)
    throw Error("--max-plans", "the plan space has " + std::to_string(n_plans) + " plans, above the limit of " +
                                   std::to_string(opt.max_plans) + " (raise it with --max-plans, with --top N to keep memory bounded, "
                                   "or narrow the space: --split-step, --no-splits, --max-gamma, --target-dtypes)");
  SweepResult r;
  r.evaluated = n_plans;

  // Pass 1: the baseline per target dtype (best feasible plain decoding on one PU).
  for_each_plan(prof, draft, target, opt, [&](const Plan& p) {
    if (p.speculative() || p.target.is_split()) return;
    Estimate e = finish(time_plan(p, draft, target, prof, w), p, draft, acc, w);
    if (!e.feasible) return;
    auto it = r.baseline.find(p.target.dtype);
    if (it == r.baseline.end() || e.per_token_us < it->second.est.per_token_us) r.baseline[p.target.dtype] = SweepRow{p, e};
  });
  std::map<DType, double> base_us;
  for (auto& [dt, row] : r.baseline) base_us[dt] = row.est.per_token_us, row.est.speedup = 1.0;

  // Pass 2: every plan, priced against its baseline; only the rows asked for are kept.
  const size_t keep = opt.keep_top;
  std::vector<Ranked> best;  // with keep_top: a max-heap of the best `keep` rows (else rows go to r.ranked)
  BreakEven be;
  size_t seq = 0;
  for_each_plan(prof, draft, target, opt, [&](const Plan& p) {
    const PlanTiming t = time_plan(p, draft, target, prof, w);
    Estimate e = finish(t, p, draft, acc, w);
    if (!e.feasible) {
      ++r.infeasible_total;
      ++r.infeasible_reasons[e.reason];
      if (keep == 0 || r.infeasible.size() < keep) r.infeasible.push_back(SweepRow{p, std::move(e)});
      return;
    }
    ++r.feasible_total;
    auto b = base_us.find(p.target.dtype);
    e.speedup = b == base_us.end() ? 0 : b->second / e.per_token_us;
    if (b != base_us.end()) be.add(t, p, draft, w, b->second);
    if (keep == 0) return r.ranked.push_back(SweepRow{p, std::move(e)});
    Ranked row{SweepRow{p, std::move(e)}, seq++};
    if (best.size() == keep && !faster(row, best.front())) return;
    best.push_back(std::move(row));
    std::push_heap(best.begin(), best.end(), faster);
    if (best.size() > keep) {
      std::pop_heap(best.begin(), best.end(), faster);
      best.pop_back();
    }
  });
  if (keep == 0) {
    std::stable_sort(r.ranked.begin(), r.ranked.end(),
                     [](const SweepRow& a, const SweepRow& b) { return a.est.per_token_us < b.est.per_token_us; });
  } else {
    std::sort(best.begin(), best.end(), faster);
    for (auto& x : best) r.ranked.push_back(std::move(x.row));
  }
  r.break_even_alpha = be.value();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace hetspec
