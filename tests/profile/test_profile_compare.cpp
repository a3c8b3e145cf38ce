// Two profiles of one machine compared entry by entry (hetspec profile --compare): a profile against
// itself differs nowhere; against a copy with every matmul point 10 % slower, the matmul category and
// only it shows |a - b| / mean = 0.1 / 1.05; entries missing on one side are counted, not matched.
#include <catch2/catch.hpp>

#include "hetspec/profile/profile_compare.hpp"
#include "support/paths.hpp"

using namespace hetspec;

TEST_CASE("profile comparison matches entries by key and summarises relative differences", "[profile]") {
  const Profile a = load_profile(test::source_path("profiles/dev-amd-epyc-2core.yaml"));
  const ProfileComparison same = compare_profiles(a, a);
  REQUIRE(!same.categories.empty());
  CHECK(same.unmatched == 0);
  for (const auto& c : same.categories) CHECK(c.max() == 0.0);

  Profile b = a;
  for (auto& u : b.pus)
    for (auto& t : u.tables)
      for (auto& us : t.us) us *= 1.1;
  b.pus[0].forward_check.pop_back();
  const ProfileComparison d = compare_profiles(a, b);
  CHECK(d.unmatched == 1);
  for (const auto& c : d.categories) {
    INFO(c.name);
    if (c.name == "matmul") {
      CHECK(c.median() == Approx(0.1 / 1.05));
      CHECK(c.max() == Approx(0.1 / 1.05));
    } else {
      CHECK(c.max() == 0.0);
    }
  }
  CHECK(d.kernels.max() == Approx(0.1 / 1.05));
  const std::string text = format_comparison(d, "a.yaml", "b.yaml");
  CHECK(text.find("matmul") != std::string::npos);
  CHECK(text.find("9.5%") != std::string::npos);
}
