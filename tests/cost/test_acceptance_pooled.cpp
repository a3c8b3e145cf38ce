// pooled_acceptance: the per-position acceptance validate predicts with, from a calibration split's
// counts. Sparse later positions must be pulled toward the pooled rate, not copied from one noisy
// position (the H200 run of 2026-11-30 measured 3 of 12 at position 3 on 4 prompts and predicted
// 0.25 for positions 3-8, where the held-out prompts accepted 0.56-0.79).
#include <catch2/catch.hpp>

#include "hetspec/cost/acceptance.hpp"

using namespace hetspec;

TEST_CASE("pooled_acceptance keeps position 1 and shrinks later positions toward their pooled rate", "[cost][acceptance]") {
  // The H200 calibration split: positions 1..8.
  const std::vector<AcceptCount> c{{21, 52}, {12, 21}, {3, 12}, {3, 3}, {2, 3}, {2, 2}, {0, 2}, {0, 0}};
  const auto a = pooled_acceptance(c, 8.0);
  REQUIRE(a.size() == 8);
  CHECK(a[0] == Approx(21.0 / 52));
  const double p = 22.0 / 43;  // positions 2..8 pooled
  CHECK(a[1] == Approx((12 + 8 * p) / (21 + 8)));
  CHECK(a[2] == Approx((3 + 8 * p) / (12 + 8)));
  CHECK(a[6] == Approx(8 * p / 10));  // 0 of 2 is not 0
  CHECK(a[7] == Approx(p));          // never reached: the pooled rate
  for (double x : a) CHECK((x >= 0 && x <= 1));
}

TEST_CASE("pooled_acceptance: many observations keep their own rate, none beyond 1 fall back to position 1",
          "[cost][acceptance]") {
  const auto big = pooled_acceptance({{500, 1000}, {8000, 10000}, {3000, 10000}}, 8.0);
  CHECK(big[1] == Approx(0.8).margin(0.005));
  CHECK(big[2] == Approx(0.3).margin(0.005));
  const auto only1 = pooled_acceptance({{3, 10}, {0, 0}, {0, 0}});
  REQUIRE(only1.size() == 3);
  CHECK(only1[1] == Approx(0.3));
  CHECK(only1[2] == Approx(0.3));
  CHECK(pooled_acceptance({}).empty());
  CHECK(pooled_acceptance({{0, 0}, {0, 0}}).empty());
  // strength 0: the raw rates where reached.
  const auto raw = pooled_acceptance({{1, 2}, {1, 4}}, 0.0);
  CHECK(raw[1] == Approx(0.25));
}
