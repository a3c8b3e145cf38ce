// acceptance_from_rates: per-position acceptance recovered from tokens per iteration at several γ
// (what llama.cpp's totals give), exact where the measured lengths pin it, robust to noisy totals.
#include <catch2/catch.hpp>

#include "hetspec/cost/acceptance.hpp"

using namespace hetspec;

TEST_CASE("acceptance_from_rates reproduces the tokens per iteration it was fitted to", "[cost][acceptance]") {
  // A curve that is constant between the measured lengths is recovered exactly.
  const std::vector<double> truth = {0.5, 0.7, 0.6, 0.6, 0.8, 0.8, 0.8, 0.8};
  std::vector<IterationRate> rates;
  for (int g : {8, 1, 2, 4}) rates.push_back({g, tokens_per_iteration(truth, g, 47), 47});  // any order
  const std::vector<double> a = acceptance_from_rates(rates);
  REQUIRE(a.size() == 8);
  for (size_t i = 0; i < 8; ++i) CHECK(a[i] == Approx(truth[i]).margin(1e-9));
  for (const auto& r : rates) CHECK(tokens_per_iteration(a, r.gamma, r.emitted) == Approx(r.tokens_per_iter).epsilon(1e-9));

  // A curve that varies inside an interval is matched at the measured lengths, not position by position.
  const std::vector<double> ragged = {0.9, 0.4, 0.8, 0.3, 0.9, 0.5, 0.7, 0.6};
  std::vector<IterationRate> r2;
  for (int g : {1, 2, 4, 8}) r2.push_back({g, tokens_per_iteration(ragged, g, 0), 0});
  const std::vector<double> b = acceptance_from_rates(r2);
  for (const auto& r : r2) CHECK(tokens_per_iteration(b, r.gamma, 0) == Approx(r.tokens_per_iter).epsilon(1e-9));
  CHECK(b[0] == Approx(0.9));
  CHECK(b[2] == Approx(b[3]));  // one rate between γ = 2 and 4
  // Positions past the last measured γ keep its rate (Acceptance repeats the last value).
  CHECK(acceptance_from_rates({{2, 1.5, 0}}).size() == 2);
}

TEST_CASE("acceptance_from_rates clamps what noise makes impossible", "[cost][acceptance]") {
  // γ = 4 measured below what γ = 2 already implies: the rate there drops to the floor, not below 0.
  const std::vector<double> a = acceptance_from_rates({{2, 2.2, 0}, {4, 2.0, 0}});
  REQUIRE(a.size() == 4);
  CHECK(a[2] == Approx(0.02));
  // Above what rate 1 can give: 1. Nothing drafted: empty.
  const std::vector<double> b = acceptance_from_rates({{1, 3.0, 0}});
  CHECK(b == std::vector<double>{1.0});
  CHECK(acceptance_from_rates({{0, 1.0, 0}}).empty());
  CHECK(acceptance_from_rates({}).empty());
  for (double x : acceptance_from_rates({{1, 1.0, 0}, {3, 1.0, 10}})) CHECK((x >= 0.02 && x <= 1.0));
}
