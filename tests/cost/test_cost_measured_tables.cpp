// Hand-computed cases: the cost model reads a measured profile's attention / element-wise / head
// tables, its launch counts and its bandwidth curve (and ignores them when absent).
#include <catch2/catch.hpp>

#include "hetspec/cost/forward_cost.hpp"
#include "hetspec/cost/single_forward.hpp"
#include "support/paths.hpp"

using namespace hetspec;
using hetspec::test::source_path;

namespace {
ModelSpec small() {
  ModelSpec s;
  s.name = "small";
  s.n_layers = 2;
  s.d_model = 64;
  s.n_heads = 4;
  s.n_kv_heads = 2;
  s.head_dim = 16;
  s.ffn_dim = 128;
  s.vocab = 1000;
  s.context = 4096;
  s.weight_dtype = DType::Q4_1;
  s.embed_dtype = DType::Q8_0;
  return s;
}
KernelTable table(int64_t k, int64_t n, DType t, std::vector<double> us) {
  KernelTable kt;
  kt.k = k;
  kt.n = n;
  kt.dtype = t;
  kt.threads = 1;
  kt.m = {1, 4};
  kt.us = std::move(us);
  return kt;
}
}  // namespace

TEST_CASE("cost model reads measured attention, element-wise, head tables and launch counts", "[cost]") {
  Profile p = load_profile(source_path("tests/fixtures/toy-soc.yaml"));
  ProcessingUnit& cpu = p.pus[0];
  const ModelSpec s = small();  // q_dim 64, kv_dim 32, f 128
  cpu.tables = {table(64, 64, DType::Q4_1, {10, 16}),    // q   (64 -> 64), also o
                table(64, 32, DType::Q4_1, {4, 7}),      // k, v (64 -> 32)
                table(64, 128, DType::Q4_1, {20, 26}),   // gate, up
                table(128, 64, DType::Q4_1, {18, 24})};  // down
  cpu.head = {table(64, 1000, DType::Q8_0, {100, 130})};
  AttentionTable a;
  a.n_heads = 4;
  a.n_kv_heads = 2;
  a.head_dim = 16;
  a.threads = 1;
  a.m = {1, 4};
  a.n = {0, 100};
  a.us = {{2, 12}, {5, 25}};
  cpu.attention = {a};
  ElementwiseTable e;
  e.d_model = 64;
  e.ffn_dim = 128;
  e.threads = 1;
  e.m = {1, 4};
  e.us = {1, 4};
  cpu.elementwise = {e};
  cpu.launches_per_layer = 10;
  cpu.launches_head = 3;
  cpu.launch_us = 0.5;
  ExecContext c;
  c.pu = &cpu;
  c.threads = 1;
  // m = 2 at n = 50: every table interpolated a third of the way from m = 1 to m = 4.
  ForwardBreakdown f = layers_cost(s, c, DType::Q4_1, 2, 50, 1);
  CHECK(f.qkv == Approx(12 + 2 * 5));          // q: 10 + 6/3; k, v: 4 + 3/3 each
  CHECK(f.o == Approx(12));                    // o has q's shape
  CHECK(f.gate_up == Approx(2 * 22));          // 20 + 6/3, twice
  CHECK(f.down == Approx(20));                 // 18 + 6/3
  CHECK(f.attention == Approx(7 + 8.0 / 3));  // n = 50: m=1 -> 7, m=4 -> 15; m = 2 a third of the way
  CHECK(f.elementwise == Approx(2));           // 1 + 3/3
  CHECK(f.launch == Approx(10 * 0.5));
  ForwardBreakdown h = head_cost(s, c, 4);
  CHECK(h.head == Approx(130));
  CHECK(h.launch == Approx(3 * 0.5));
  // An engine whose layer launches another count for a batch (the OpenCL fused layer): m = 1 keeps
  // launches_per_layer, m > 1 takes launches_per_layer_batch.
  cpu.launches_per_layer_batch = 14;
  CHECK(layers_cost(s, c, DType::Q4_1, 2, 50, 1).launch == Approx(14 * 0.5));
  CHECK(layers_cost(s, c, DType::Q4_1, 1, 50, 1).launch == Approx(10 * 0.5));
  // ... past the fold limits, where the layer runs a few tokens as it does one: batch_fold_max_m
  // tokens and batch_fold_max_mk / d_model (the engine's ocl::fold_batch_limit).
  cpu.batch_fold_max_m = 4;
  CHECK(layers_cost(s, c, DType::Q4_1, 4, 50, 1).launch == Approx(10 * 0.5));
  CHECK(layers_cost(s, c, DType::Q4_1, 5, 50, 1).launch == Approx(14 * 0.5));
  cpu.batch_fold_max_mk = 3 * s.d_model;  // a wider model folds fewer tokens
  CHECK(layers_cost(s, c, DType::Q4_1, 3, 50, 1).launch == Approx(10 * 0.5));
  CHECK(layers_cost(s, c, DType::Q4_1, 4, 50, 1).launch == Approx(14 * 0.5));
  CHECK(launches_per_layer(cpu, 4, 2 * s.d_model) == 14);  // 3 d / 2 d: one token only
  CHECK(launches_per_layer(cpu, 1, 100 * s.d_model) == 10);
  cpu.batch_fold_max_m = 0;
  cpu.batch_fold_max_mk = 0;
  cpu.launches_per_layer_batch = 0;
  // Without measured tables the constants and the roofline come back.
  ProcessingUnit bare = p.pus[0];
  bare.attention.clear();
  bare.elementwise.clear();
  bare.launches_per_layer = 0;
  c.pu = &bare;
  ForwardBreakdown g = layers_cost(s, c, DType::Q4_1, 2, 50, 1);
  CHECK(g.launch == Approx(kKernelsPerLayer * 0.5));
  CHECK(g.attention == Approx(attention_us(c, 2, 50 + 1.5, 64, 32)));
  CHECK(g.elementwise == Approx(elementwise_us(c, 2, 64, 128)));
}

TEST_CASE("a batch past the GEMV limit costs whole GEMM tiles", "[cost]") {
  // The OpenCL matmul runs up to gemv_batch_max_m tokens (and gemv_batch_max_mk / d_model) as GEMVs,
  // past that GEMM tiles of gemm_m_tile tokens that each stream the weights: a verify of 5 tokens
  // costs as 8 (measured on the H200 and PoCL: reports/h200/b, docs/runs/gemm-tiles.md).
  Profile p = load_profile(source_path("tests/fixtures/toy-soc.yaml"));
  ProcessingUnit& pu = p.pus[0];
  const ModelSpec s = small();  // d_model 64
  CHECK(matmul_tokens(pu, 5, s.d_model) == 5);  // no tile: per token
  pu.gemm_m_tile = 4;
  pu.gemv_batch_max_m = 2;
  CHECK(matmul_tokens(pu, 1, s.d_model) == 1);
  CHECK(matmul_tokens(pu, 2, s.d_model) == 2);   // GEMVs
  CHECK(matmul_tokens(pu, 3, s.d_model) == 4);   // one tile
  CHECK(matmul_tokens(pu, 5, s.d_model) == 8);   // two
  CHECK(matmul_tokens(pu, 9, s.d_model) == 12);  // three
  pu.gemv_batch_max_m = 8;
  pu.gemv_batch_max_mk = 6144;
  CHECK(matmul_tokens(pu, 8, 576) == 8);    // 6144 / 576 = 10 > 8: GEMVs up to 8
  CHECK(matmul_tokens(pu, 9, 576) == 12);
  CHECK(matmul_tokens(pu, 3, 3072) == 4);   // 6144 / 3072 = 2
  CHECK(matmul_tokens(pu, 2, 3072) == 2);
  CHECK(matmul_tokens(pu, 2, 8192) == 4);   // wider than the bound: the GEMM from m = 2
  // The layer's matmuls and the head read their tables at the tile-rounded count; attention and
  // element-wise stay per token.
  pu.tables = {table(64, 64, DType::Q4_1, {10, 16}), table(64, 32, DType::Q4_1, {4, 7}),
               table(64, 128, DType::Q4_1, {20, 26}), table(128, 64, DType::Q4_1, {18, 24})};
  for (auto& t : pu.tables) t.m = {1, 4, 8}, t.us.push_back(t.us[1] + 6);
  pu.head = {table(64, 1000, DType::Q8_0, {100, 130})};
  pu.head[0].m = {1, 4, 8};
  pu.head[0].us.push_back(160);
  pu.gemv_batch_max_m = 1;
  pu.gemv_batch_max_mk = 0;
  ExecContext c;
  c.pu = &pu;
  c.threads = 1;
  ForwardBreakdown f5 = layers_cost(s, c, DType::Q4_1, 5, 50, 1), f8 = layers_cost(s, c, DType::Q4_1, 8, 50, 1);
  CHECK(f5.o == Approx(22));  // q's shape at m = 8
  CHECK(f5.qkv == Approx(f8.qkv));
  CHECK(f5.gate_up == Approx(f8.gate_up));
  CHECK(f5.down == Approx(f8.down));
  CHECK(head_cost(s, c, 5).head == Approx(160));
  CHECK(head_cost(s, c, 3).head == Approx(130));
  pu.gemm_m_tile = 0;
  CHECK(layers_cost(s, c, DType::Q4_1, 5, 50, 1).o == Approx(16 + 6.0 / 4));
}

TEST_CASE("a bandwidth curve picks the regime from the streamed weight set", "[cost]") {
  Profile p = load_profile(source_path("tests/fixtures/toy-soc.yaml"));
  ProcessingUnit& cpu = p.pus[0];
  cpu.bandwidth_curve = {{1e6, 40}, {1e8, 10}};  // 40 GB/s in cache, 10 GB/s from DRAM
  cpu.roofline.bw_per_thread_gbps = 0;
  ExecContext c;
  c.pu = &cpu;
  c.threads = 4;
  c.stream_bytes = 1e6;
  CHECK(effective_bw_gbps(c) == Approx(40));
  c.stream_bytes = 1e7;  // half way in log bytes
  CHECK(effective_bw_gbps(c) == Approx(25));
  c.stream_bytes = 1e9;
  CHECK(effective_bw_gbps(c) == Approx(10));
  // A table timed while cycling 1e8 bytes (DRAM) is 4x faster for a model that fits in cache.
  cpu.tables = {table(64, 64, DType::Q4_1, {8, 8})};
  cpu.tables[0].set_bytes = 1e8;
  c.threads = 1;
  c.stream_bytes = 1e6;
  CHECK(matmul_us(c, 1, 64, 64, DType::Q4_1) == Approx(2));
  c.stream_bytes = 2e8;
  CHECK(matmul_us(c, 1, 64, 64, DType::Q4_1) == Approx(8));
}
