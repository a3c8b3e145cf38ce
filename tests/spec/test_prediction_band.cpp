// The predicted band's pieces: per-prompt counts as an arm counts them, the bootstrap over prompts
// (deterministic, wider for prompts that differ), and the percentiles.
#include <catch2/catch.hpp>

#include <cmath>

#include <nlohmann/json.hpp>

#include "hetspec/core/error.hpp"
#include "hetspec/report/validation_report.hpp"
#include "hetspec/spec/prediction_band.hpp"
#include "hetspec/spec/validate.hpp"

using namespace hetspec;

namespace {
IterationEvent iter(int drafted, int accepted) {
  IterationEvent e;
  e.drafted = drafted;
  e.accepted = accepted;
  return e;
}
}  // namespace

TEST_CASE("prediction band: a prompt's counts per draft position", "[validate]") {
  RequestTrace r;
  r.iters = {iter(3, 0), iter(3, 2), iter(3, 3), iter(1, 1)};
  const auto c = prompt_acceptance_counts(r, 3);
  REQUIRE(c.size() == 3);
  CHECK(c[0].reached == 4);  // every iteration checks d_1
  CHECK(c[0].accepted == 3);
  CHECK(c[1].reached == 2);  // d_2 checked after d_1 accepted, in the iterations that drafted it
  CHECK(c[1].accepted == 2);
  CHECK(c[2].reached == 2);
  CHECK(c[2].accepted == 1);
}

TEST_CASE("prediction band: resampling prompts that differ widens the acceptance, deterministically", "[validate]") {
  const std::vector<AcceptCount> good = {{9, 10}, {8, 9}}, bad = {{2, 10}, {1, 2}}, mid = {{5, 10}, {3, 5}};
  const auto mixed = resampled_acceptance({good, bad, good, bad}, 300);
  const auto same = resampled_acceptance({mid, mid, mid, mid}, 300);
  REQUIRE(mixed.size() == 300);
  REQUIRE(same.size() == 300);
  std::vector<double> a1_mixed, a1_same;
  for (const auto& a : mixed) a1_mixed.push_back(a[0]);
  for (const auto& a : same) a1_same.push_back(a[0]);
  const Band bm = percentile_band(a1_mixed), bs = percentile_band(a1_same);
  CHECK(bs.lo == Approx(0.5));
  CHECK(bs.hi == Approx(0.5));
  CHECK(bm.lo < 0.45);
  CHECK(bm.hi > 0.65);
  CHECK(bm.lo >= 0.2);
  CHECK(bm.hi <= 0.9);
  CHECK(resampled_acceptance({good, bad, good, bad}, 300) == mixed);  // fixed seed
  CHECK(resampled_acceptance({}, 10).empty());
  CHECK(resampled_acceptance({{{0, 0}}}, 10).empty());  // nothing drafted: no sample
}

TEST_CASE("prediction band: percentiles", "[validate]") {
  std::vector<double> v;
  for (int i = 0; i <= 100; ++i) v.push_back(double(i));
  const Band b = percentile_band(v);
  CHECK(b.lo == Approx(2.5));
  CHECK(b.hi == Approx(97.5));
  const Band one = percentile_band({3.0});
  CHECK(one.lo == 3.0);
  CHECK(one.hi == 3.0);
  CHECK(std::isnan(percentile_band({}).lo));
  CHECK(std::isnan(percentile_band({NAN}).hi));
}

TEST_CASE("prediction band: stored per-prompt counts round-trip, bad ones are refused", "[validate][bad-input]") {
  Validation v;
  v.acceptance_per_prompt = {{{3, 4}, {1, 3}}, {{0, 2}, {0, 0}}};
  PlanOutcome o;
  o.id = "p01";
  o.plan.gamma = 2;
  o.predicted.feasible = true;
  o.predicted.speedup = 1.1;
  o.predicted_band = {0.9, 1.3};
  v.plans.push_back(o);
  const std::string text = validation_to_json(v);
  const Validation back = validation_from_json(text, "v.json");
  REQUIRE(back.acceptance_per_prompt.size() == 2);
  CHECK(back.acceptance_per_prompt[0][1].accepted == 1);
  CHECK(back.acceptance_per_prompt[0][1].reached == 3);
  CHECK(back.plans[0].predicted_band.lo == 0.9);
  CHECK(back.plans[0].predicted_band.hi == 1.3);
  auto j = nlohmann::json::parse(text);
  j["acceptance_per_prompt"][0][0] = {5, 2};
  try {
    validation_from_json(j.dump(), "v.json");
    FAIL("accepted > reached was read");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("v.json: acceptance_per_prompt") != std::string::npos);
  }
  j["acceptance_per_prompt"][0][0] = {1};
  CHECK_THROWS_AS(validation_from_json(j.dump(), "v.json"), Error);
}
