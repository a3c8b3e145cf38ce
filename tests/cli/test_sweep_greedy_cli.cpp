// sweep / predict --greedy: the request is decoded greedily, so the host pays an argmax per sampled
// row (the profile's greedy_ns_per_vocab) instead of a softmax (sample_ns_per_vocab), as `validate`
// and `run` without --temp measure. The measured H200 profile has both costs.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "hetspec/profile/profile.hpp"
#include "support/paths.hpp"
#include "support/run_cli.hpp"

using namespace hetspec::test;

TEST_CASE("sweep --greedy prices the host's argmax, not a softmax, and says so", "[cli][sweep]") {
  TempDir t;
  const std::string prof = source_path("profiles/h200-xeon16-smollm2.yaml");
  const hetspec::Profile p = hetspec::load_profile(prof);
  REQUIRE(p.host.greedy_ns_per_vocab > 0);
  const std::string base = "sweep --soc " + prof + " --target " +
                           source_path("configs/models/smollm2-135m.yaml") + " --draft " +
                           source_path("models/smollm2-135m-draft.gguf") + " --alpha 0.5 --no-splits --top 3";
  CliResult s = run_cli(base + " --out " + (t / "sampled"));
  CliResult g = run_cli(base + " --greedy --out " + (t / "greedy"));
  REQUIRE(s.code == 0);
  REQUIRE(g.code == 0);
  auto js = nlohmann::json::parse(slurp(t / "sampled/sweep.json"));
  auto jg = nlohmann::json::parse(slurp(t / "greedy/sweep.json"));
  CHECK(js["workload"]["greedy"] == false);
  CHECK(jg["workload"]["greedy"] == true);
  const auto& bs = js["baseline"]["q4_1"];
  const auto& bg = jg["baseline"]["q4_1"];
  REQUIRE(bs["plan"] == bg["plan"]);
  // One sampled row per plain-decoded token: the profile's softmax against its argmax cost per
  // vocabulary entry (plus the same small per-token remainder in both).
  const double host_s = bs["phases_ms"]["host"], host_g = bg["phases_ms"]["host"];
  CHECK(host_g < host_s);
  CHECK(host_s - host_g ==
        Approx((p.host.sample_ns_per_vocab - p.host.greedy_ns_per_vocab) * 49152 * 1e-6).epsilon(0.05));
  CHECK(bs["phases_ms"]["verify"] == bg["phases_ms"]["verify"]);
  CHECK(g.out.find(" greedy\n") != std::string::npos);
  CHECK(s.out.find(" greedy\n") == std::string::npos);
}
