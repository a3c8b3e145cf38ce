// The profile's `executor:` block (llama.cpp's loop terms): it round-trips through YAML, and a wrong
// engine, a thread count twice, a non-finite or absurd term, or loop terms under hetspec's own executor
// are one error naming the key.
#include <catch2/catch.hpp>

#include "hetspec/core/error.hpp"
#include "hetspec/profile/profile.hpp"
#include "support/paths.hpp"
#include "support/run_cli.hpp"

using namespace hetspec;
using hetspec::test::source_path;

namespace {
Profile with_loop() {
  Profile p = load_profile(source_path("tests/fixtures/roofline-cpu-pocl.yaml"));
  p.executor.engine = "llama.cpp";
  p.executor.loop = {{1, "cpu", 812.5, 95.25, 120, 6, 0.012}, {2, "cpu", -40, 60, 0, 6, 0.03}, {1, "cl:0", 1500, 80, 400, 8, 0.05}};
  return p;
}
}  // namespace

TEST_CASE("executor: llama.cpp's loop terms round-trip through YAML", "[profile][llamacpp]") {
  hetspec::test::TempDir t;
  const Profile p = with_loop();
  const Profile q = load_profile(t.file("x.yaml", profile_to_yaml(p)));
  CHECK(q.executor.engine == "llama.cpp");
  CHECK(q.executor.redecodes_emitted());
  REQUIRE(q.executor.loop.size() == 3);
  REQUIRE(q.executor.at(1, "cl:0") != nullptr);
  CHECK(q.executor.at(1, "cl:0")->plain_us == Approx(400));
  CHECK(q.executor.at(2, "cl:0")->plain_us == Approx(0));  // none measured there: the CPU's terms
  REQUIRE(q.executor.at(1) != nullptr);
  CHECK(q.executor.at(1)->iteration_us == Approx(812.5));
  CHECK(q.executor.at(1)->drafted_us == Approx(95.25));
  CHECK(q.executor.at(1)->plain_us == Approx(120));
  CHECK(q.executor.at(1)->runs == 6);
  CHECK(q.executor.at(1)->residual_cv == Approx(0.012));
  CHECK(q.executor.at(2)->iteration_us == Approx(-40));  // signed: a fit may land below the forwards' sum
  CHECK(q.executor.at(3) == nullptr);
  CHECK(profile_to_yaml(q) == profile_to_yaml(p));
  // hetspec's own executor writes no block at all, and a profile without one reads as hetspec's.
  const Profile plain = load_profile(source_path("tests/fixtures/roofline-cpu-pocl.yaml"));
  CHECK(profile_to_yaml(plain).find("executor") == std::string::npos);
  CHECK(plain.executor.engine == "hetspec");
  CHECK_FALSE(plain.executor.redecodes_emitted());
}

TEST_CASE("executor: bad values are one error naming the key", "[profile][llamacpp]") {
  hetspec::test::TempDir t;
  const std::string good = profile_to_yaml(with_loop());
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    s.replace(at, from.size(), to);
    return load_profile(t.file("bad.yaml", s));
  };
  CHECK_THROWS_WITH(with("engine: llama.cpp", "engine: vllm"), Catch::Contains("executor.engine: must be hetspec or llama.cpp"));
  CHECK_THROWS_WITH(with("engine: llama.cpp", "engine: hetspec"), Catch::Contains("executor.loop: loop terms describe llama.cpp"));
  CHECK_THROWS_WITH(with("threads: 2,", "threads: 1,"), Catch::Contains("executor.loop[1].threads: thread count 1 listed twice"));
  CHECK_THROWS_WITH(with("threads: 2,", "threads: 0,"), Catch::Contains("executor.loop[1].threads"));
  CHECK_THROWS_WITH(with("iteration_us: 812.5", "iteration_us: .nan"), Catch::Contains("executor.loop[0].iteration_us: must be a finite"));
  CHECK_THROWS_WITH(with("drafted_us: 95.25", "drafted_us: 1e12"), Catch::Contains("executor.loop[0].drafted_us: must be a finite"));
  CHECK_THROWS_WITH(with("drafted_us: 95.25", "drafted_us: fast"), Catch::Contains("executor.loop[0].drafted_us"));
  CHECK_THROWS_WITH(with("plain_us: 120", "plain_us: -.inf"), Catch::Contains("executor.loop[0].plain_us: must be a finite"));
  CHECK_THROWS_WITH(with("runs: 6, residual_cv: 0.012", "runs: -1, residual_cv: 0.012"), Catch::Contains("executor.loop[0].runs"));
  CHECK_THROWS_WITH(with("residual_cv: 0.012", "residual_cv: 11"), Catch::Contains("executor.loop[0].residual_cv"));
  CHECK_THROWS_WITH(with("residual_cv: 0.012", "residual_cv: 0.012, pool: 2"), Catch::Contains("executor.loop[0].pool: unknown key"));
  CHECK_THROWS_WITH(with("engine: llama.cpp", "engine: llama.cpp\n  version: 1"), Catch::Contains("executor.version: unknown key"));
  CHECK_THROWS_WITH(with("  - {threads: 2, pu: cpu, iteration_us: -40", "  - {pu: cpu, iteration_us: -40"),
                    Catch::Contains("executor.loop[1].threads"));
  CHECK_THROWS_WITH(with("{threads: 1, pu: cl:0", "{threads: 1, pu: cl:9"), Catch::Contains("executor.loop[2].pu: names PU 'cl:9'"));
  CHECK_THROWS_WITH(with("{threads: 1, pu: cl:0", "{threads: 1, pu: cpu"), Catch::Contains("executor.loop[2].threads: thread count 1 listed twice for cpu"));
}
