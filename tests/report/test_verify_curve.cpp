// The report's verify-cost curves (T(m)/T(1) per unsplit target placement, predicted and measured)
// and the break-even verdict (the calibration acceptance's interval against the predicted break-even).
#include <catch2/catch.hpp>

#include "hetspec/report/break_even.hpp"
#include "hetspec/report/verify_curve.hpp"

using namespace hetspec;

namespace {
PlanOutcome outcome(const std::string& desc, int gamma, Mode mode, bool split, double pred_verify, double meas_verify,
                    bool measured = true) {
  PlanOutcome o;
  o.description = desc;
  o.plan.gamma = gamma;
  o.plan.mode = mode;
  o.plan.target.pu = 0;
  if (split) o.plan.target.split_pu = 1;
  o.predicted.phases.verify = pred_verify;
  o.plan_arm.phases.verify = meas_verify;
  o.measured = measured;
  return o;
}
}  // namespace

TEST_CASE("verify_curves: T(m)/T(1) per target placement from the sequential plans", "[report]") {
  Validation v;
  v.plans = {outcome("target=cpu head=cpu gamma=0 sequential", 0, Mode::Sequential, false, 100, 120),
             outcome("draft=cpu target=cpu head=cpu gamma=2 sequential", 2, Mode::Sequential, false, 150, 240),
             outcome("draft=cl:0 target=cpu head=cpu gamma=2 sequential", 2, Mode::Sequential, false, 170, 200),
             outcome("draft=cl:0 target=cpu head=cpu gamma=2 overlapped", 2, Mode::Overlapped, false, 999, 999),
             outcome("draft=cpu target=cpu head=cpu gamma=4 sequential", 4, Mode::Sequential, false, 200, 0, false),
             outcome("target=cpu[0-14]+cl:0[15-29] head=cl:0 gamma=0 sequential", 0, Mode::Sequential, true, 80, 90),
             outcome("draft=cpu target=cl:0 head=cl:0 gamma=1 sequential", 1, Mode::Sequential, false, 50, 50)};
  const auto c = verify_curves(v);
  // The split target is left out, and cl:0 has no γ = 0 plan to normalise by.
  REQUIRE(c.size() == 1);
  CHECK(c[0].pu == "target=cpu head=cpu");
  REQUIRE(c[0].predicted.size() == 3);  // m = 1, 3, 5
  CHECK(c[0].predicted[0].x == 1);
  CHECK(c[0].predicted[0].y == Approx(1.0));
  CHECK(c[0].predicted[1].x == 3);
  CHECK(c[0].predicted[1].y == Approx(1.6));  // mean of 150 and 170, over 100; the overlapped plan left out
  CHECK(c[0].predicted[2].y == Approx(2.0));
  REQUIRE(c[0].measured.size() == 2);         // m = 5 was not measured
  CHECK(c[0].measured[1].y == Approx(220.0 / 120));
  CHECK(verify_curve_svg(v).rfind("<svg", 0) == 0);
  CHECK(verify_curve_svg(Validation{}).find("no measured plain-decoding plan") != std::string::npos);
}

TEST_CASE("break_even_verdict: the pooled calibration acceptance's interval against the break-even", "[report]") {
  Validation v;
  PositionAcceptance p1, p2;
  p1.position = 1, p1.reached = 200, p1.accepted = 120;
  p2.position = 2, p2.reached = 120, p2.accepted = 80;
  v.acceptance_measured = {p1, p2};  // pooled 200 / 320 = 0.625
  v.break_even_alpha = 0.4;
  auto b = break_even_verdict(v);
  REQUIRE(b.measured);
  CHECK(b.pooled.value == Approx(0.625));
  CHECK(b.pooled.lo > 0.4);
  CHECK(b.verdict.rfind("speculation pays", 0) == 0);
  v.break_even_alpha = 0.9;
  CHECK(break_even_verdict(v).verdict.rfind("speculation does not pay", 0) == 0);
  v.break_even_alpha = 0.63;
  CHECK(break_even_verdict(v).verdict.rfind("uncertain", 0) == 0);
  CHECK(break_even_line(break_even_verdict(v)).find("0.625 [") != std::string::npos);
  v.break_even_alpha = -1;
  CHECK(break_even_line(break_even_verdict(v)).find("never") != std::string::npos);
  v.timing_mode = true;
  v.break_even_alpha = 0.5;
  b = break_even_verdict(v);
  CHECK_FALSE(b.measured);
  CHECK(b.verdict.find("timing mode") != std::string::npos);
}
