// Held-out interpolation of a profile (hetspec profile --holdout): times linear in m between the kept
// points and proportional to k·n across shapes are predicted exactly; a point off the line shows its
// own error and no other; the committed profile gives the figures docs/profile.md reports.
#include <catch2/catch.hpp>

#include "hetspec/profile/profile_holdout.hpp"
#include "support/paths.hpp"

using namespace hetspec;

namespace {
KernelTable table(int64_t k, int64_t n, double us_per_token_per_mn) {
  KernelTable t;
  t.k = k, t.n = n, t.dtype = DType::Q4_1, t.threads = 1;
  for (int m : {1, 2, 3, 4, 8}) {
    t.m.push_back(m);
    t.us.push_back(us_per_token_per_mn * static_cast<double>(k) * n * (10 + m));  // linear in m, ∝ k·n
  }
  return t;
}
}  // namespace

TEST_CASE("held-out interpolation predicts linear tables exactly and shows an off-line point", "[profile]") {
  Profile p;
  ProcessingUnit cpu;
  cpu.id = "cpu";
  cpu.kind = PuKind::CPU;
  cpu.tables = {table(576, 1536, 1e-6), table(1536, 576, 1e-6), table(2048, 8192, 1e-6)};
  p.pus.push_back(cpu);
  const std::vector<int> keep = {1, 2, 8};
  HoldoutResult r = holdout_interpolation(p, keep);
  REQUIRE(r.all_m.errors.size() == 6);        // m = 3 and 4 of 3 tables
  REQUIRE(r.all_shapes.errors.size() == 9);   // the kept m of 3 tables, each from its nearest
  CHECK(r.all_m.max_abs() == Approx(0).margin(1e-12));
  CHECK(r.all_shapes.max_abs() == Approx(0).margin(1e-12));

  p.pus[0].tables[2].us[2] *= 1.2;  // m = 3 of the 1B shape 20 % slower than the line
  r = holdout_interpolation(p, keep);
  CHECK(r.all_m.max_abs() == Approx(1 - 1 / 1.2));
  CHECK(r.all_m.median_abs() == Approx(0).margin(1e-12));
  CHECK(r.all_shapes.max_abs() == Approx(0).margin(1e-12));  // m = 3 is not a kept point
  const std::string text = format_holdout(r, keep);
  CHECK(text.find("cpu t1, held-out m") != std::string::npos);
  CHECK(text.find("16.7 %") != std::string::npos);
}

TEST_CASE("held-out interpolation of the committed dev profile", "[profile]") {
  const Profile p = load_profile(test::source_path("profiles/dev-amd-epyc-2core.yaml"));
  const HoldoutResult r = holdout_interpolation(p, {1, 2, 4, 8, 16, 32, 64, 128});
  REQUIRE(!r.groups.empty());
  CHECK(r.groups[0].name == "cpu t1, held-out m");
  CHECK(r.groups[0].errors.size() == 112);
  CHECK(r.groups[0].median_abs() == Approx(0.047).margin(0.001));  // docs/profile.md: 4.7 %
}
