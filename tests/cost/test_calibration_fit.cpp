// The calibration fit recovers planted overheads from traces the cost model itself generated (the
// toy SoC's grid, measurements = its phases under the planted terms), exactly without noise and
// closely with 1% noise; a calibrated profile round-trips through YAML and the cost model uses it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "hetspec/cost/calibration_fit.hpp"
#include "hetspec/report/calibration_report.hpp"
#include "support/run_cli.hpp"
#include "support/synthetic_validation.hpp"

using namespace hetspec;
using namespace hetspec::test;

namespace {
FitInput input_for(const Validation& v) {  // the toy SoC and models, the validation's acceptance and shape
  FitInput in;
  in.profile = toy_profile();
  in.draft = toy_draft();
  in.target = toy_target();
  in.acceptance = v.acceptance;
  in.workload = v.workload;
  return in;
}

FitInput input_from(const Validation& v, const std::vector<std::string>& ids) {
  FitInput in = input_for(v);
  in.observations = observations(v, in.profile, ids, true);
  return in;
}

std::vector<std::string> all_ids(const Validation& v) {
  std::vector<std::string> ids;
  for (const auto& o : v.plans) ids.push_back(o.id);
  return ids;
}

const CalibratedForward& term(const Calibration& c, const std::string& pu, const std::string& model) {
  for (const auto& f : c.forward)
    if (f.pu == pu && f.model == model) return f;
  FAIL("no fitted term for " << pu << " / " << model);
  return c.forward.front();
}

// Every planted term against the fitted one, within rel (relative) or abs_us; per-token slopes
// (fitted from few verify lengths) within token_rel.
void check_recovered(const Calibration& got, const Calibration& want, double rel, double abs_us, double token_rel) {
  for (const auto& w : want.forward) {
    const CalibratedForward& g = term(got, w.pu, w.model);
    INFO(w.pu << " / " << w.model);
    CHECK(g.forward_us == Approx(w.forward_us).epsilon(rel).margin(abs_us));
    CHECK(g.token_us == Approx(w.token_us).epsilon(token_rel).margin(abs_us / 4));
  }
  REQUIRE(got.handoff.size() == 1);
  CHECK(got.handoff[0].pu == "cpu");
  CHECK(got.handoff[0].us == Approx(want.handoff[0].us).epsilon(rel).margin(abs_us));
  CHECK(got.host_greedy_ns_per_vocab == Approx(want.host_greedy_ns_per_vocab).epsilon(rel));
  REQUIRE(got.contention.size() == 1);
  CHECK(got.contention[0].a_share == Approx(want.contention[0].a_share).epsilon(rel));
  CHECK(got.contention[0].b_share == Approx(want.contention[0].b_share).epsilon(rel));
  REQUIRE(got.overlap.size() == 2);
  for (const auto& w : want.overlap)
    for (const auto& g : got.overlap)
      if (g.draft == w.draft && g.target == w.target) CHECK(g.hidden == Approx(w.hidden).epsilon(rel).margin(0.01));
}
}  // namespace

TEST_CASE("calibration fit recovers planted overheads from noise-free traces", "[cost][calibrate]") {
  const Calibration planted = planted_terms();
  const Validation v = synthetic_validation(planted, 0.6, 0.0);
  const FitResult r = fit_calibration(input_from(v, all_ids(v)));
  check_recovered(r.terms, planted, 2e-3, 1.0, 2e-3);
  // Every phase is explained after the fit, and was not before.
  for (const auto& p : r.phases) {
    INFO(p.phase);
    CHECK(p.after < 2e-4);
  }
  CHECK(std::any_of(r.phases.begin(), r.phases.end(), [](const PhaseError& p) { return p.before > 0.02; }));
}

TEST_CASE("calibration fit is robust to 1% measurement noise and predicts held-out plans", "[cost][calibrate]") {
  const Calibration planted = planted_terms();
  const Validation v = synthetic_validation(planted, 0.6, 0.01, 11);
  const CalibrationSplit split = split_plans(v, 0.5, {}, "synthetic");
  const FitResult r = fit_calibration(input_from(v, split.fit));
  check_recovered(r.terms, planted, 0.25, 1000, 0.5);
  // Held-out plans: per-token predictions of the calibrated profile within ~noise of the truth.
  Profile truth = toy_profile();
  truth.calibration = planted;
  truth.resolve();
  const Profile fitted = with_calibration(toy_profile(), r.terms);
  const ModelSpec t = toy_target(), d = toy_draft();
  for (const auto& o : v.plans) {
    if (std::find(split.held_out.begin(), split.held_out.end(), o.id) == split.held_out.end()) continue;
    const double want = predict(o.plan, d, t, truth, v.acceptance, v.workload).per_token_us;
    const double got = predict(o.plan, d, t, fitted, v.acceptance, v.workload).per_token_us;
    INFO(o.id << " " << o.description);
    CHECK(std::fabs(got / want - 1) < 0.02);
  }
}

TEST_CASE("a term the traces do not observe stays at zero", "[cost][calibrate]") {
  const Validation v = synthetic_validation(planted_terms(), 0.6, 0.0);
  std::vector<std::string> seq_cpu;  // sequential plans with target and draft on the cpu only
  for (const auto& o : v.plans)
    if (o.plan.target.pu == 0 && !o.plan.target.is_split() && (o.plan.gamma == 0 || o.plan.draft.pu == 0)) seq_cpu.push_back(o.id);
  FitInput in = input_from(v, seq_cpu);
  in.observations.erase(std::remove_if(in.observations.begin(), in.observations.end(),
                                       [](const FitObservation& o) { return o.id.find("baseline") != std::string::npos; }),
                        in.observations.end());
  const FitResult r = fit_calibration(in);
  CHECK(term(r.terms, "cpu", "llama-3.2-3b").forward_us == Approx(12000).epsilon(1e-3));
  for (const auto& f : r.terms.forward) CHECK(f.pu == "cpu");  // nothing ran on the gpu
  CHECK(r.terms.handoff.empty());
  CHECK(r.terms.contention.empty());
  CHECK(r.terms.overlap.empty());
}

TEST_CASE("a calibrated profile round-trips through YAML and the cost model uses its terms", "[cost][calibrate][profile]") {
  Profile p = with_calibration(toy_profile(), planted_terms());
  p.calibration.source = "runs/x/validation.json";
  p.calibration.split = "fit fraction 0.5";
  p.calibration.fit_plans = {"p01", "p03"};
  p.calibration.held_out_plans = {"p02"};
  p.calibration.before = CalibrationError{1, 0.2, 0.3, 0.1, 0.5, 0.05};
  p.calibration.after = CalibrationError{1, 0.02, 0.03, 0.01, 0.9, 0.0};
  const std::string yaml = profile_to_yaml(p);
  TempDir dir;
  const Profile q = load_profile(dir.file("calibrated.yaml", yaml));
  CHECK(profile_to_yaml(q) == yaml);
  CHECK(q.calibration.forward.size() == 4);
  CHECK(q.greedy_ns_per_vocab() == Approx(4.0));
  CHECK(q.contention_share("gpu", "cpu") == Approx(0.7));
  CHECK(q.hidden_at(1, 0) == Approx(0.6));
  CHECK(q.calibration.after.speedup_median == Approx(0.02));
  // One cpu forward of the 3B target over 3 tokens carries 12000 + 2·2000 µs more than uncalibrated.
  const ModelSpec t = toy_target();
  std::array<ExecContext, kMaxPus> ctx{};
  for (size_t i = 0; i < q.pus.size(); ++i) ctx[i] = ExecContext{&q.pus[i], i == 0 ? 4 : 1, 1.0, false};
  ModelPlacement on_cpu;
  on_cpu.pu = on_cpu.head_pu = 0;
  const Profile raw = uncalibrated(q);
  std::array<ExecContext, kMaxPus> raw_ctx = ctx;
  for (size_t i = 0; i < raw.pus.size(); ++i) raw_ctx[i].pu = &raw.pus[i];
  const double with = model_forward(t, on_cpu, q, ctx, 3, 80, 3).total_us();
  const double without = model_forward(t, on_cpu, raw, raw_ctx, 3, 80, 3).total_us();
  CHECK(with - without == Approx(12000 + 2 * 2000));
  CHECK(uncalibrated(q).calibration.empty());
}

TEST_CASE("iteration totals alone (another engine's timings) fit the sum of the overheads", "[cost][calibrate]") {
  // Sequential single-PU plans on the cpu with only their iteration totals known, as llama.cpp
  // reports them: the fit must explain every total, and predict the plans it did not see.
  const Calibration planted = planted_terms();
  const Validation v = synthetic_validation(planted, 0.6, 0.0);
  FitInput in = input_for(v);
  std::vector<const PlanOutcome*> seq_cpu;
  for (const auto& o : v.plans)
    if (o.plan.target.pu == 0 && !o.plan.target.is_split() && (o.plan.gamma == 0 || o.plan.draft.pu == 0))
      seq_cpu.push_back(&o);
  REQUIRE(seq_cpu.size() == 7);  // γ = 0, 1, 2, 3, 4, 6, 8
  for (size_t i = 0; i < seq_cpu.size(); i += 2)  // fit γ = 0, 2, 4, 8 (every other); hold out 1, 3, 6
    in.observations.push_back({seq_cpu[i]->id, seq_cpu[i]->plan, PhaseTimes{}, seq_cpu[i]->plan_arm.phases.total()});
  const FitResult r = fit_calibration(in);
  CHECK(r.equations == 4);   // one per total
  CHECK(r.phases.empty());   // no phase was measured
  const Profile fitted = with_calibration(toy_profile(), r.terms);
  const ModelSpec t = toy_target(), d = toy_draft();
  for (const PlanOutcome* o : seq_cpu) {
    const double got = predict(o->plan, d, t, fitted, v.acceptance, v.workload).iter_us;
    INFO(o->id << " " << o->description);
    CHECK(got == Approx(o->plan_arm.phases.total()).epsilon(0.02));
  }
  // Before the fit the totals were not explained.
  const double before = predict(seq_cpu[2]->plan, d, t, toy_profile(), v.acceptance, v.workload).iter_us;
  CHECK(std::fabs(before / seq_cpu[2]->plan_arm.phases.total() - 1) > 0.05);
}
