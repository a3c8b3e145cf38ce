// CpuModel::load on random GGUF models (qwen2 with QKV bias; llama with Llama-3 rope scaling stored
// as rope_freqs.weight): mapped weights, the arch's rope mode, threads = 1 vs 2.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "../support/run_cli.hpp"
#include "../support/scoped_env.hpp"
#include "hetspec/engine/cpu/repack.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/engine/cpu_model.hpp"
#include "hetspec/engine/sampler.hpp"
#include "hetspec/model/random_model.hpp"
#include "tiny_model.hpp"

using namespace hetspec;

TEST_CASE("CpuModel loads a GGUF file and matches the reference forward", "[forward]") {
  struct Case { std::string arch; bool llama3; DType dt; };
  auto c = GENERATE(Case{"qwen2", false, DType::Q8_0}, Case{"llama", true, DType::Q4_1}, Case{"llama", false, DType::F16});
  ModelSpec s = test::tiny_spec(c.arch);
  s.vocab = 320;  // the random model's byte-level tokenizer needs >= 259 tokens
  s.context = 128;
  s.weight_dtype = c.dt;
  s.embed_dtype = c.dt;
  if (c.llama3) s.rope_scaling = RopeScaling{8.0, 1.0, 4.0, 32};
  test::TempDir tmp;
  const std::string path = tmp / "tiny.gguf";
  make_random_model(s, 42, std::nullopt, path);

  auto one = CpuModel::load(path, 1), two = CpuModel::load(path, 2);
  CHECK(one->spec().arch == c.arch);
  CHECK(one->spec().qkv_bias == (c.arch == "qwen2"));
  CHECK((one->weights().rope_freqs != nullptr) == c.llama3);
  // Weights are views into the mapping, not copies.
  const uint8_t* base = one->file().tensors().front().data - one->file().tensors().front().offset;
  const auto* q = static_cast<const uint8_t*>(one->weights().layers[0].wq.data);
  CHECK(q >= base);
  CHECK(q < base + one->file().file_size());

  std::vector<int32_t> tokens;
  for (int i = 0; i < 17; ++i) tokens.push_back(int32_t((i * 37 + 11) % s.vocab));
  std::vector<double> ff(size_t(s.head_dim / 2), 1.0);
  if (c.llama3) ff.assign(one->weights().rope_freqs, one->weights().rope_freqs + s.head_dim / 2);
  auto ref = test::reference_logits(one->weights(), tokens, ff);
  one->forward().set_reference_matmul(true);
  const int n = int(tokens.size());
  KvCache kv = one->make_cache(64);
  const float* pa = one->forward().forward(tokens.data(), n, 0, kv, n);  // (n, vocab)
  std::vector<float> a(pa, pa + int64_t(n) * s.vocab);
  for (int t = 0; t < n; ++t) {
    double md = 0, mb = 1e-9;
    for (int v = 0; v < s.vocab; ++v) {
      md = std::max(md, std::fabs(a[size_t(t * s.vocab + v)] - ref[size_t(t)][size_t(v)]));
      mb = std::max(mb, std::fabs(ref[size_t(t)][size_t(v)]));
    }
    INFO(c.arch << " position " << t);
    CHECK(md / mb < 3e-3);
  }
  // Two threads (parallel matmul and attention) give the same logits as one, up to summation order.
  KvCache k1 = one->make_cache(64), k2 = two->make_cache(64);
  one->forward().set_reference_matmul(false);
  const float* p1 = one->forward().forward(tokens.data(), n, 0, k1, n);  // (n, vocab)
  std::vector<float> b1(p1, p1 + int64_t(n) * s.vocab);
  const float* b2 = two->forward().forward(tokens.data(), n, 0, k2, n);
  for (int64_t i = 0; i < int64_t(n) * s.vocab; ++i) REQUIRE(b2[i] == Approx(b1[size_t(i)]).margin(1e-3));
  CHECK_THROWS_WITH(one->make_cache(129), Catch::Contains("exceeds the model's context"));
}

TEST_CASE("CpuModel runs X8-repacked weights on the CPU and keeps plain views for OpenCL", "[forward]") {
  ModelSpec s = test::tiny_spec("llama");
  s.vocab = 320;
  s.context = 128;
  s.weight_dtype = s.embed_dtype = DType::Q4_1;
  test::TempDir tmp;
  const std::string path = tmp / "tiny.gguf";
  make_random_model(s, 7, std::nullopt, path);
  auto model = CpuModel::load(path, 1);
  const ModelWeights& plain = model->weights();
  const ModelWeights& cpu = model->cpu_weights();
  CHECK(plain.layers[0].w_gate.layout == RowLayout::Plain);
  CHECK(plain.output.layout == RowLayout::Plain);
  CHECK(cpu.token_embd.data == plain.token_embd.data);  // rows are looked up: never repacked
  if (!cpu_repack_enabled()) {
    WARN("the best CPU path here (" << cpu_path_name(best_cpu_path()) << ") has no X8 kernels: weights stay plain");
    CHECK(cpu.layers[0].w_gate.data == plain.layers[0].w_gate.data);
    return;
  }
  for (const LayerWeights& L : cpu.layers)
    for (const WeightView* v : {&L.wq, &L.wk, &L.wv, &L.wo, &L.w_gate, &L.w_up, &L.w_down})
      CHECK(v->layout == RowLayout::X8);
  CHECK(cpu.output.layout == RowLayout::X8);
  std::vector<uint8_t> row(plain.layers[1].w_down.row_stride());
  copy_row_plain(cpu.layers[1].w_down, 5, row.data());
  CHECK(std::equal(row.begin(), row.end(), plain.layers[1].w_down.row(5)));

  // The same logits as the plain kernels up to f32 summation order; HETSPEC_CPU_REPACK=0 keeps them plain.
  const test::ScopedEnv off("HETSPEC_CPU_REPACK", "0");
  auto unpacked = CpuModel::load(path, 1);
  CHECK(unpacked->cpu_weights().layers[0].wq.layout == RowLayout::Plain);
  std::vector<int32_t> tokens = {1, 5, 9, 200, 17, 3};
  const int n = int(tokens.size());
  KvCache ka = model->make_cache(32), kb = unpacked->make_cache(32);
  const float* pa = model->forward().forward(tokens.data(), n, 0, ka, n);  // (n, vocab)
  std::vector<float> a(pa, pa + int64_t(n) * s.vocab);
  const float* b = unpacked->forward().forward(tokens.data(), n, 0, kb, n);
  double md = 0, mb = 1e-9;
  for (int64_t i = 0; i < int64_t(n) * s.vocab; ++i) {
    md = std::max(md, double(std::fabs(a[size_t(i)] - b[i])));
    mb = std::max(mb, double(std::fabs(b[i])));
  }
  CHECK(md / mb < 1e-4);
  CHECK(md > 0);  // really two kernels (different summation orders)
}

TEST_CASE("CpuModel::load errors name the file", "[forward]") {
  test::TempDir tmp;
  std::string junk = tmp.file("junk.gguf", "not a gguf file at all");
  CHECK_THROWS_WITH(CpuModel::load(junk, 1), Catch::Contains("junk.gguf"));
  CHECK_THROWS_AS(CpuModel::load(tmp / "missing.gguf", 1), Error);
  CHECK_THROWS_WITH(CpuModel::load(junk, 0), Catch::Contains("threads"));
}
