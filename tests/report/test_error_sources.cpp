// The validation report's error decomposition: predicted ÷ measured speedup factors into the
// baseline, the tokens per iteration (acceptance) and the time per iteration (cost model), and the
// "measured tokens per iteration" speedup error isolates the cost model.
#include <catch2/catch.hpp>

#include "hetspec/report/validation_report.hpp"

using namespace hetspec;

namespace {
// A measured plan with a predicted speedup base/per-token, and a measured one the same way.
PlanOutcome plan(const char* id, double pred_base, double pred_iter, double pred_tpi, double meas_base, double meas_iter,
                 double meas_tpi) {
  PlanOutcome o;
  o.id = id;
  o.description = id;
  o.measured = true;
  o.predicted_baseline_us = pred_base;
  o.predicted.iter_us = pred_iter;
  o.predicted.tokens_per_iter = pred_tpi;
  o.predicted.per_token_us = pred_iter / pred_tpi;
  o.predicted.speedup = pred_base / o.predicted.per_token_us;
  o.baseline_arm.per_token_us = meas_base;
  o.plan_arm.iter_us = meas_iter;
  o.plan_arm.tokens_per_iter = meas_tpi;
  o.plan_arm.per_token_us = meas_iter / meas_tpi;
  o.speedup.value = meas_base / o.plan_arm.per_token_us;
  return o;
}
}  // namespace

TEST_CASE("validation metrics split the speedup error into baseline, acceptance and iteration time", "[report][validate]") {
  Validation v;
  // Timing exact, acceptance over-estimated by 10%: all of the error is acceptance.
  v.plans.push_back(plan("p01", 1000, 2000, 1.65, 1000, 2000, 1.5));
  v.plans.push_back(plan("p02", 1000, 3000, 2.2, 1000, 3000, 2.0));
  ValidationMetrics m = validation_metrics(v);
  CHECK(m.speedup.median_ape == Approx(0.10));
  CHECK(m.tokens_per_iter.median_ape == Approx(0.10));
  CHECK(m.iteration.median_ape == Approx(0.0).margin(1e-12));
  CHECK(m.baseline.median_ape == Approx(0.0).margin(1e-12));
  CHECK(m.speedup_known_acceptance.median_ape == Approx(0.0).margin(1e-12));

  // Acceptance exact, iteration 20% slower than predicted: the cost model carries it.
  Validation w;
  w.plans.push_back(plan("p01", 1000, 2000, 1.5, 1000, 2400, 1.5));
  m = validation_metrics(w);
  CHECK(m.iteration.median_ape == Approx(400.0 / 2400).epsilon(1e-9));
  CHECK(m.tokens_per_iter.median_ape == Approx(0.0).margin(1e-12));
  CHECK(m.speedup_known_acceptance.median_ape == Approx(0.2).epsilon(1e-9));
  CHECK(m.speedup.median_ape == Approx(0.2).epsilon(1e-9));

  // The JSON carries the decomposition, and index.md names it.
  const std::string j = validation_to_json(w);
  CHECK(j.find("\"error_sources\"") != std::string::npos);
  CHECK(j.find("\"speedup_known_acceptance_ape\"") != std::string::npos);
  const std::string md = validation_markdown(w, m);
  CHECK(md.find("acceptance estimate: tokens per iteration") != std::string::npos);
  CHECK(md.find("cost model: time per iteration") != std::string::npos);
}
