// A validation whose "measurements" are the cost model's own phases (executor attribution) under a
// planted calibration, with optional multiplicative noise: what `calibrate` must recover. The toy
// SoC (cpu + gpu), Llama-3.2-3B target, Llama-3.2-1B draft; the grid validate would run there.
#pragma once
#include <random>

#include "hetspec/cost/executor_phases.hpp"
#include "hetspec/model/model_spec.hpp"
#include "hetspec/spec/validate.hpp"
#include "support/paths.hpp"

namespace hetspec::test {

inline Profile toy_profile() { return load_profile(source_path("tests/fixtures/toy-soc.yaml")); }
inline ModelSpec toy_target() { return load_model_spec(source_path("configs/models/llama-3.2-3b.yaml")); }
inline ModelSpec toy_draft() { return load_model_spec(source_path("configs/models/llama-3.2-1b.yaml")); }

// Overheads of a size that matters on the toy SoC (its 3B forwards take ~190 ms, 1B ~70 ms).
inline Calibration planted_terms() {
  Calibration c;
  c.forward = {{"cpu", "llama-3.2-3b", 12000, 2000, 0}, {"gpu", "llama-3.2-3b", 6000, 1000, 0},
               {"cpu", "llama-3.2-1b", 3000, 800, 0},   {"gpu", "llama-3.2-1b", 5000, 500, 0}};
  c.handoff = {{"cpu", 1500}};
  c.host_greedy_ns_per_vocab = 4.0;
  c.contention = {{"cpu", "gpu", 0.8, 0.7}};
  c.overlap = {{"gpu", "cpu", 0.6}, {"cpu", "gpu", 0.4}};
  return c;
}

inline std::vector<Plan> toy_grid(const ModelSpec& t) {
  auto on = [](int pu) {
    ModelPlacement m;
    m.pu = m.head_pu = pu;
    return m;
  };
  ModelPlacement split = on(0);
  split.split_pu = split.head_pu = 1;
  split.split = t.n_layers / 2;
  std::vector<Plan> out;
  for (const ModelPlacement& tp : {on(0), on(1), split})
    for (int g : {0, 1, 2, 3, 4, 6, 8}) {
      Plan plan;
      plan.threads = {4, 1};
      plan.target = tp;
      if (g == 0) {
        out.push_back(plan);
        continue;
      }
      plan.gamma = g;
      for (int d : {0, 1}) {
        plan.draft = on(d);
        plan.mode = Mode::Sequential;
        out.push_back(plan);
        if (!(pu_mask(plan.draft) & pu_mask(plan.target))) {
          plan.mode = Mode::Overlapped;
          out.push_back(plan);
        }
      }
    }
  return out;
}

// noise: each measured phase is multiplied by 1 + noise·u, u uniform in [−1, 1] (seeded).
inline Validation synthetic_validation(const Calibration& planted, double alpha, double noise, uint64_t seed = 7) {
  const Profile base = toy_profile();
  Profile truth = base;
  truth.calibration = planted;
  truth.resolve();
  const ModelSpec t = toy_target(), d = toy_draft();
  Validation v;
  v.profile_name = base.name;
  v.profile_path = "tests/fixtures/toy-soc.yaml";
  v.host = "synthetic";
  v.date = "2026-12-01T00:00:00Z";
  v.target = source_path("configs/models/llama-3.2-3b.yaml");
  v.draft = source_path("configs/models/llama-3.2-1b.yaml");
  v.timing_mode = true;
  v.acceptance = Acceptance::scalar(alpha);
  v.acceptance.source = "--accept-rate";
  v.workload.prompt_tokens = 64;
  v.workload.gen_tokens = 32;
  v.workload.greedy = true;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  auto noisy = [&](PhaseTimes p) {
    for (double* x : {&p.draft, &p.verify, &p.catchup, &p.host, &p.handoff, &p.overlap}) *x *= 1 + noise * u(rng);
    return p;
  };
  auto arm = [&](const Plan& plan, const std::string& name, const std::string& placement) {
    const PlanTiming tm = time_plan(plan, d, t, truth, v.workload);
    const Estimate e = finish(tm, plan, d, v.acceptance, v.workload);
    ArmSummary a;
    a.name = name;
    a.placement = placement;
    a.gamma = plan.gamma;
    a.mode = mode_name(plan.mode);
    a.requests = 4;
    a.tokens = 128;
    a.phases = noisy(executor_phases(tm, e, plan, v.acceptance));
    a.iter_us = a.phases.total();
    a.tokens_per_iter = e.tokens_per_iter;
    a.per_token_us = a.iter_us / e.tokens_per_iter;
    a.tokens_per_s = 1e6 / a.per_token_us;
    a.host_share = a.phases.host / a.iter_us;
    return a;
  };
  Plan base_plan;
  base_plan.threads = {4, 1};
  base_plan.target.pu = base_plan.target.head_pu = 1;  // plain decoding on the gpu
  const std::vector<Plan> grid = toy_grid(t);
  const double base_pred = predict(base_plan, d, t, base, v.acceptance, v.workload).per_token_us;
  for (size_t i = 0; i < grid.size(); ++i) {
    PlanOutcome o;
    char id[32];
    std::snprintf(id, sizeof id, "p%02zu", i + 1);
    o.id = id;
    o.plan = grid[i];
    o.description = describe_plan(o.plan, base, d.n_layers, t.n_layers);
    o.predicted = predict(o.plan, d, t, base, v.acceptance, v.workload);
    o.predicted_baseline_us = base_pred;
    o.predicted.speedup = base_pred / o.predicted.per_token_us;
    o.measured = true;
    o.plan_arm = arm(o.plan, "plan", "synthetic");
    o.baseline_arm = arm(base_plan, "baseline", "target gpu[0,28), head on gpu");
    const double s = o.baseline_arm.per_token_us / o.plan_arm.per_token_us;
    o.speedup = Interval{s, s, s};
    v.plans.push_back(o);
  }
  return v;
}

}  // namespace hetspec::test
