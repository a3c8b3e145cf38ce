// Repeatability of a validation: two runs' measured speedups, matched plan by plan, give the noise
// floor; the section survives a rebuild from validation.json.
#include <catch2/catch.hpp>

#include "hetspec/core/error.hpp"
#include "hetspec/report/repeatability.hpp"
#include "hetspec/report/validation_report.hpp"

using namespace hetspec;

namespace {
Validation run_of(const std::vector<std::pair<std::string, double>>& speedups) {
  Validation v;
  for (const auto& [id, s] : speedups) {
    PlanOutcome o;
    o.id = id;
    o.description = "plan " + id;
    o.measured = true;
    o.speedup.value = o.speedup.lo = o.speedup.hi = s;
    o.predicted.speedup = s;
    v.plans.push_back(o);
  }
  return v;
}
}  // namespace

TEST_CASE("repeatability: the noise floor of two runs of one validation", "[report]") {
  const Validation a = run_of({{"p01", 1.0}, {"p02", 1.10}, {"p03", 0.5}, {"p04", 1.08}});
  const Validation b = run_of({{"p01", 1.0}, {"p02", 0.99}, {"p03", 0.5}, {"p04", 1.08}, {"p05", 2.0}});
  const Repeatability r = repeatability(a, b, "b/validation.json");
  CHECK(r.plans == 4);  // p05 is only in b
  // |1.10 − 0.99| / 1.045 = 0.1053 for p02, 0 for the rest: median 0, max 0.1053.
  CHECK(r.diff.median_ape == Approx(0.0).margin(1e-12));
  CHECK(r.diff.max_ape == Approx(0.11 / 1.045));
  CHECK(r.diff.mean_ape == Approx(0.11 / 1.045 / 4));
  CHECK(r.best == "p02 plan p02");
  CHECK(r.other_best == "p04 plan p04");
  CHECK(r.ties_with_best == 1);
  CHECK(r.spearman < 1.0);

  // In the report, and read back from its JSON.
  const std::string md = validation_markdown(a, validation_metrics(a), nullptr, &r);
  CHECK(md.find("## Repeatability") != std::string::npos);
  CHECK(md.find("noise floor") != std::string::npos);
  Repeatability back;
  REQUIRE(repeatability_in_json(validation_to_json(a, nullptr, &r), back));
  CHECK(back.plans == 4);
  CHECK(back.diff.max_ape == Approx(r.diff.max_ape));
  CHECK(back.best == r.best);
  CHECK_FALSE(repeatability_in_json(validation_to_json(a), back));

  // Runs that share no plan: an error naming the second run.
  CHECK_THROWS_WITH(repeatability(a, run_of({{"p09", 1.0}}), "other.json"), Catch::Contains("other.json"));
}
