// The measured parts of hetspec.profile/1: they round-trip through YAML and are validated strictly.
#include <catch2/catch.hpp>

#include "hetspec/core/error.hpp"
#include "hetspec/profile/profile.hpp"
#include "support/paths.hpp"
#include "support/run_cli.hpp"

using namespace hetspec;
using hetspec::test::source_path;

namespace {
Profile measured_example() {
  Profile p = load_profile(source_path("tests/fixtures/toy-soc.yaml"));
  p.kind = "measured";
  p.provenance.cpu = "Test CPU";
  p.provenance.cores = 4;
  p.provenance.isa = "avx2";
  p.provenance.git = "abc123";
  p.provenance.command = "hetspec profile --out x.yaml";
  p.host.greedy_ns_per_vocab = 0.5;
  ProcessingUnit& c = p.pus[0];
  KernelTable t;
  t.k = 64;
  t.n = 128;
  t.dtype = DType::Q4_1;
  t.threads = 1;
  t.m = {1, 2, 4};
  t.us = {1, 1.5, 2.5};
  t.cv = {0.01, 0.02, 0.03};
  t.set_bytes = 6.4e7;
  c.tables.push_back(t);
  t.n = 1000;
  t.wall_us = {3, 4, 5};
  c.head.push_back(t);
  AttentionTable a;
  a.n_heads = 4;
  a.n_kv_heads = 2;
  a.head_dim = 16;
  a.threads = 1;
  a.m = {1, 4};
  a.n = {0, 64};
  a.us = {{1, 2}, {3, 5}};
  c.attention.push_back(a);
  ElementwiseTable e;
  e.d_model = 64;
  e.ffn_dim = 128;
  e.threads = 1;
  e.m = {1, 4};
  e.us = {0.5, 1.5};
  c.elementwise.push_back(e);
  ForwardCheck f;
  f.model = "tiny";
  f.m = 4;
  f.n = 64;
  f.us = 123;
  f.cv = 0.01;
  c.forward_check.push_back(f);
  c.launches_per_layer = 14;
  c.launches_per_layer_batch = 17;
  c.batch_fold_max_m = 8;
  c.batch_fold_max_mk = 4608;
  c.gemm_m_tile = 4;
  c.gemv_batch_max_m = 8;
  c.gemv_batch_max_mk = 6144;
  c.launches_head = 2;
  c.enqueue_us = 3;
  c.roundtrip_us = 40;
  c.transfers = {{64, 10, 11}, {4096, 12, 13}};
  c.bandwidth_curve = {{16384, 50}, {1e9, 20}};
  return p;
}
}  // namespace

TEST_CASE("measured profile slots round-trip through YAML", "[profile]") {
  Profile p = measured_example();
  hetspec::test::TempDir t;
  Profile q = load_profile(t.file("m.yaml", profile_to_yaml(p)));
  const ProcessingUnit &a = p.pus[0], &b = q.pus[0];
  CHECK(q.kind == "measured");
  CHECK(q.provenance.cpu == "Test CPU");
  CHECK(q.provenance.cores == 4);
  CHECK(q.provenance.command == p.provenance.command);
  CHECK(q.host.greedy_ns_per_vocab == Approx(0.5));
  REQUIRE(b.tables.size() == 1);
  CHECK(b.tables[0].cv == a.tables[0].cv);
  CHECK(b.tables[0].set_bytes == Approx(6.4e7));
  REQUIRE(b.head.size() == 1);
  CHECK(b.head[0].n == 1000);
  CHECK(b.head[0].wall_us == a.head[0].wall_us);
  REQUIRE(b.attention.size() == 1);
  CHECK(b.attention[0].n == a.attention[0].n);
  CHECK(b.attention[0].m == a.attention[0].m);
  CHECK(b.attention[0].us == a.attention[0].us);
  REQUIRE(b.elementwise.size() == 1);
  CHECK(b.elementwise[0].us == a.elementwise[0].us);
  REQUIRE(b.forward_check.size() == 1);
  CHECK(b.forward_check[0].model == "tiny");
  CHECK(b.forward_check[0].us == Approx(123));
  CHECK(b.launches_per_layer == 14);
  CHECK(b.launches_per_layer_batch == 17);
  CHECK(b.batch_fold_max_m == 8);
  CHECK(b.batch_fold_max_mk == 4608);
  CHECK(b.gemm_m_tile == 4);
  CHECK(b.gemv_batch_max_m == 8);
  CHECK(b.gemv_batch_max_mk == 6144);
  CHECK(b.launches_head == 2);
  CHECK(b.enqueue_us == Approx(3));
  CHECK(b.roundtrip_us == Approx(40));
  REQUIRE(b.transfers.size() == 2);
  CHECK(b.transfers[1].d2h_us == Approx(13));
  CHECK(b.bandwidth_curve.size() == 2);
  // And once more: the text is stable.
  CHECK(profile_to_yaml(q) == profile_to_yaml(load_profile(t.file("m2.yaml", profile_to_yaml(q)))));
}

TEST_CASE("measured profile slots are validated with file and key", "[profile]") {
  hetspec::test::TempDir t;
  std::string good = profile_to_yaml(measured_example());
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    s.replace(at, from.size(), to);
    return load_profile(t.file("bad.yaml", s));
  };
  CHECK_THROWS_WITH(with("{m: 4, us: [3, 5]}", "{m: 4, us: [3]}"),
                    Catch::Contains("pus[0].attention[0].rows[1].us: has 1 entries, expected 2"));
  CHECK_THROWS_WITH(with("{m: 4, us: [3, 5]}", "{m: 1, us: [3, 5]}"),
                    Catch::Contains("pus[0].attention[0].rows[1].m: token counts must be strictly increasing"));
  CHECK_THROWS_WITH(with("launches_per_layer: 14", "launches_per_layer: 0"),
                    Catch::Contains("pus[0].launches_per_layer"));
  CHECK_THROWS_WITH(with("cpu: \"Test CPU\"", "cpu: \"Test CPU\"\n  gpu: x"),
                    Catch::Contains("provenance.gpu: unknown key"));
  CHECK_THROWS_WITH(with("{bytes: 4096, h2d_us: 12", "{bytes: 32, h2d_us: 12"),
                    Catch::Contains("pus[0].transfers[1].bytes: transfer sizes must be strictly increasing"));
  CHECK_THROWS_WITH(with("cv: [0.01, 0.02, 0.03]", "cv: [0.01, 0.02]"), Catch::Contains("pus[0].tables[0].cv: has 2 entries"));
  CHECK_THROWS_WITH(with("{d_model: 64, ffn: 128, threads: 1", "{d_model: 64, ffn: 128, threads: 9"),
                    Catch::Contains("pus[0].elementwise[0].threads: measured with more threads"));
  CHECK_THROWS_WITH(with("{bytes: 1e+09, gbps: 20}", "{bytes: 100, gbps: 20}"),
                    Catch::Contains("pus[0].bandwidth_curve[1].bytes: working-set sizes must be strictly increasing"));
}
