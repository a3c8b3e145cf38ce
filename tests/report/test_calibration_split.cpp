// The fit / held-out split of `calibrate` is deterministic, spreads evenly, takes only measured
// plans, and refuses splits that leave either side empty.
#include <catch2/catch.hpp>

#include "hetspec/core/error.hpp"
#include "hetspec/report/calibration_report.hpp"
#include "support/synthetic_validation.hpp"

using namespace hetspec;
using namespace hetspec::test;

TEST_CASE("calibrate's split alternates plans at fraction 0.5 and is deterministic", "[report][calibrate]") {
  Validation v = synthetic_validation(planted_terms(), 0.6, 0.0);
  REQUIRE(v.plans.size() == 51);
  const CalibrationSplit a = split_plans(v, 0.5, {}, "v");
  CHECK(a.fit.size() == 26);
  CHECK(a.held_out.size() == 25);
  CHECK(a.fit[0] == "p01");
  CHECK(a.fit[1] == "p03");
  CHECK(a.held_out[0] == "p02");
  CHECK(a.fit.back() == "p51");
  const CalibrationSplit b = split_plans(v, 0.5, {}, "v");
  CHECK(a.fit == b.fit);
  CHECK(a.held_out == b.held_out);
  CHECK(a.rule.find("0.5") != std::string::npos);

  const CalibrationSplit q = split_plans(v, 0.25, {}, "v");
  CHECK(q.fit.size() == 13);
  CHECK(q.fit[0] == "p01");
  CHECK(q.fit[1] == "p05");

  v.plans[2].measured = false;  // p03 was not run: neither fitted nor held out
  const CalibrationSplit c = split_plans(v, 0.5, {}, "v");
  CHECK(std::count(c.fit.begin(), c.fit.end(), "p03") == 0);
  CHECK(std::count(c.held_out.begin(), c.held_out.end(), "p03") == 0);
  CHECK(c.fit.size() + c.held_out.size() == 50);
}

TEST_CASE("calibrate's split takes an explicit list of fit plans", "[report][calibrate]") {
  const Validation v = synthetic_validation(planted_terms(), 0.6, 0.0);
  const CalibrationSplit s = split_plans(v, 0.5, {"p05", "p02"}, "v");
  CHECK(s.fit == std::vector<std::string>{"p02", "p05"});
  CHECK(s.held_out.size() == 49);
}

TEST_CASE("calibrate's split refuses bad fractions, unknown plans and empty sides", "[report][calibrate][bad-input]") {
  const Validation v = synthetic_validation(planted_terms(), 0.6, 0.0);
  for (double f : {0.0, 1.0, 1.5, -0.2}) CHECK_THROWS_WITH(split_plans(v, f, {}, "v"), Catch::Contains("--fit-fraction"));
  CHECK_THROWS_WITH(split_plans(v, 0.5, {"p99"}, "v"), Catch::Contains("p99"));
  std::vector<std::string> all;
  for (const auto& o : v.plans) all.push_back(o.id);
  CHECK_THROWS_WITH(split_plans(v, 0.5, all, "v"), Catch::Contains("no measured plan left to hold out"));
  Validation none = v;
  for (auto& o : none.plans) o.measured = false;
  CHECK_THROWS_AS(split_plans(none, 0.5, {}, "v"), Error);
}
