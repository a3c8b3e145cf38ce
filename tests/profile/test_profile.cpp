#include <catch2/catch.hpp>

#include "hetspec/core/error.hpp"
#include "hetspec/profile/profile.hpp"
#include "support/paths.hpp"
#include "support/run_cli.hpp"

using namespace hetspec;
using hetspec::test::source_path;

TEST_CASE("bundled SoC descriptions load and round-trip through YAML", "[profile]") {
  for (const char* soc : {"nxp-imx95", "rockchip-rk3588", "snapdragon-8gen2"}) {
    Profile p = load_profile(source_path(std::string("configs/socs/") + soc + ".yaml"));
    CHECK(p.name == soc);
    CHECK(p.unified_memory);
    CHECK(p.pus.size() >= 2);
    hetspec::test::TempDir t;
    std::string f = t.file("p.yaml", profile_to_yaml(p));
    Profile q = load_profile(f);
    REQUIRE(q.pus.size() == p.pus.size());
    for (size_t i = 0; i < p.pus.size(); ++i) {
      CHECK(q.pus[i].id == p.pus[i].id);
      CHECK(q.pus[i].thread_options == p.pus[i].thread_options);
      CHECK(q.pus[i].roofline.dram_bw_gbps == Approx(p.pus[i].roofline.dram_bw_gbps));
      CHECK(q.pus[i].roofline.peak_gflops[2] == Approx(p.pus[i].roofline.peak_gflops[2]));
      CHECK(q.pus[i].sync_us == Approx(p.pus[i].sync_us));
    }
    CHECK(q.links.size() == p.links.size());
    CHECK(q.contention.size() == p.contention.size());
    CHECK(q.host.pu == p.host.pu);
    for (size_t a = 0; a < p.pus.size(); ++a)
      for (size_t b = 0; b < p.pus.size(); ++b) CHECK(q.share_at(a, b) == Approx(p.share_at(a, b)));
  }
}

TEST_CASE("measured tables are validated", "[profile]") {
  hetspec::test::TempDir t;
  std::string base = hetspec::test::slurp(source_path("tests/fixtures/toy-soc.yaml"));
  auto with_table = [&](const std::string& table) {
    std::string s = base;
    s.replace(s.find("      gemm_efficiency: 1.0\n  - id: gpu"), std::string("      gemm_efficiency: 1.0\n  - id: gpu").size(),
              "      gemm_efficiency: 1.0\n    tables:\n      - " + table + "\n  - id: gpu");
    return load_profile(t.file("p.yaml", s));
  };
  Profile ok = with_table("{k: 64, n: 128, dtype: q4_0, threads: 4, m: [1, 2, 4], us: [1, 1.5, 2.5]}");
  REQUIRE(ok.pus[0].tables.size() == 1);
  CHECK_THROWS_WITH(with_table("{k: 64, n: 128, dtype: q4_0, threads: 4, m: [1, 4, 2], us: [1, 2, 3]}"),
                    Catch::Contains("pus[0].tables[0].m[2]: token counts must be positive and strictly increasing"));
  CHECK_THROWS_WITH(with_table("{k: 64, n: 128, dtype: q4_0, threads: 4, m: [1, 2], us: [1]}"),
                    Catch::Contains("pus[0].tables[0].us: has 1 entries but m has 2"));
  CHECK_THROWS_WITH(with_table("{k: 64, n: 128, dtype: q4_0, threads: 4, m: [1], us: [-1]}"),
                    Catch::Contains("pus[0].tables[0].us[0]: time must be positive"));
  CHECK_THROWS_WITH(with_table("{k: 64, n: 128, dtype: q7, threads: 4, m: [1], us: [1]}"),
                    Catch::Contains("pus[0].tables[0].dtype: unknown dtype 'q7'"));
}
