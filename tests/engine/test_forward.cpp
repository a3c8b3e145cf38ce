// Forward pass on tiny random models against the naive double-precision reference, and the
// cache invariants speculative decoding relies on (batching, rollback, layer ranges).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "hetspec/core/error.hpp"
#include "hetspec/engine/cpu_forward.hpp"
#include "hetspec/engine/sampler.hpp"
#include "tiny_model.hpp"

using namespace hetspec;
using hetspec::test::make_tiny;
using hetspec::test::tiny_spec;

namespace {
std::vector<int32_t> some_tokens(int n, int vocab, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<int32_t> t(static_cast<size_t>(n));
  for (auto& v : t) v = int32_t(rng() % uint64_t(vocab));
  return t;
}
// Largest |a - b| over a row, relative to the row's largest |b| (logit scale).
double rel_diff(const float* a, const float* b, int64_t n) {
  double md = 0, mb = 1e-9;
  for (int64_t i = 0; i < n; ++i) {
    md = std::max(md, std::fabs(double(a[i]) - double(b[i])));
    mb = std::max(mb, std::fabs(double(b[i])));
  }
  return md / mb;
}
double rel_diff_ref(const float* a, const std::vector<double>& b) {
  double md = 0, mb = 1e-9;
  for (size_t i = 0; i < b.size(); ++i) {
    md = std::max(md, std::fabs(double(a[i]) - b[i]));
    mb = std::max(mb, std::fabs(b[i]));
  }
  return md / mb;
}
std::vector<float> rows(const float* p, int n, int vocab) { return std::vector<float>(p, p + int64_t(n) * vocab); }
std::vector<float> llama3_factors(const ModelSpec& s) {
  const RopeScaling& r = s.rope_scaling;
  return llama3_rope_freq_factors(s.head_dim, s.rope_theta, r.factor, r.low_freq_factor, r.high_freq_factor,
                                  r.original_context);
}
std::vector<double> ones(int n) { return std::vector<double>(size_t(n), 1.0); }
}  // namespace

TEST_CASE("forward matches the double-precision reference", "[forward]") {
  // tol_ref: with matmul_ref (exact dots), only the f16 KV cache and f32 arithmetic differ: ~1e-3.
  // tol_fast: the fast kernels quantize activations to 8 bits per block for quantized weights
  // (llama.cpp's scheme), a few percent of the logit scale; float weights keep f32 activations.
  struct Case { std::string arch; DType wt; DType et; bool llama3; };
  auto c = GENERATE(Case{"llama", DType::F32, DType::F32, false}, Case{"qwen2", DType::F32, DType::F32, false},
                    Case{"llama", DType::Q4_1, DType::Q8_0, false}, Case{"llama", DType::Q4_0, DType::F16, true},
                    Case{"qwen2", DType::Q8_0, DType::BF16, false}, Case{"llama", DType::F16, DType::F16, true});
  const bool reference = GENERATE(true, false);
  const bool quantized = c.wt == DType::Q4_1 || c.wt == DType::Q4_0 || c.wt == DType::Q8_0;
  const double tol = reference || !quantized ? 3e-3 : 6e-2;
  ModelSpec s = tiny_spec(c.arch);
  if (c.llama3) s.rope_scaling = RopeScaling{8.0, 1.0, 4.0, 32};
  auto m = make_tiny(s, 7, c.wt, c.et);
  auto tokens = some_tokens(20, s.vocab, 3);
  std::vector<double> ff = ones(s.head_dim / 2);
  if (c.llama3) {
    auto f = llama3_factors(s);
    ff.assign(f.begin(), f.end());
    CHECK(*std::max_element(ff.begin(), ff.end()) > 1.0);  // scaling actually active at these sizes
  }
  auto ref = hetspec::test::reference_logits(m->w, tokens, ff);
  CpuForward fw(m->w, 8);
  fw.set_reference_matmul(reference);
  KvCache kv = fw.make_cache(s.context);
  const int n = int(tokens.size());
  const float* lg = fw.forward(tokens.data(), n, 0, kv, n);
  INFO(c.arch << " " << dtype_name(c.wt) << " " << dtype_name(c.et) << (reference ? " matmul_ref" : " fast kernels"));
  int same_argmax = 0;
  for (int t = 0; t < n; ++t) {
    INFO("position " << t);
    CHECK(rel_diff_ref(lg + int64_t(t) * s.vocab, ref[size_t(t)]) < tol);
    auto& r = ref[size_t(t)];
    same_argmax += argmax(lg + int64_t(t) * s.vocab, s.vocab) == int32_t(std::max_element(r.begin(), r.end()) - r.begin());
  }
  CHECK(same_argmax >= (reference ? n : n - 2));
  CHECK(kv.length() == n);
}

TEST_CASE("m-token forward equals m single-token forwards", "[forward]") {
  auto arch = GENERATE(std::string("llama"), std::string("qwen2"));
  ModelSpec s = tiny_spec(arch);
  auto m = make_tiny(s, 11, DType::Q4_1, DType::Q8_0);
  auto tokens = some_tokens(12, s.vocab, 5);
  const int n = int(tokens.size());
  CpuForward a(m->w, 16), b(m->w, 16);
  KvCache ka = a.make_cache(s.context), kb = b.make_cache(s.context);
  // Prefill 4, then verify the remaining 8 in one call (all rows), vs one token at a time.
  a.forward(tokens.data(), 4, 0, ka, 1);
  std::vector<float> batch = rows(a.forward(tokens.data() + 4, n - 4, 4, ka, n - 4), n - 4, s.vocab);
  for (int t = 0; t < n; ++t) {
    const float* lg = b.forward(tokens.data() + t, 1, t, kb, 1);
    if (t >= 4) {
      INFO("position " << t);
      CHECK(rel_diff(batch.data() + int64_t(t - 4) * s.vocab, lg, s.vocab) < 1e-4);
      CHECK(argmax(batch.data() + int64_t(t - 4) * s.vocab, s.vocab) == argmax(lg, s.vocab));
    }
  }
}

TEST_CASE("chunked forward (m > max_batch) equals one big step", "[forward]") {
  ModelSpec s = tiny_spec("llama");
  auto m = make_tiny(s, 13);
  auto tokens = some_tokens(23, s.vocab, 9);
  const int n = int(tokens.size());
  CpuForward big(m->w, 64), small(m->w, 5);
  KvCache k1 = big.make_cache(s.context), k2 = small.make_cache(s.context);
  std::vector<float> a = rows(big.forward(tokens.data(), n, 0, k1, 7), 7, s.vocab);
  const float* b = small.forward(tokens.data(), n, 0, k2, 7);
  for (int r = 0; r < 7; ++r) CHECK(rel_diff(a.data() + r * s.vocab, b + r * s.vocab, s.vocab) < 1e-5);
}

TEST_CASE("KV truncate then re-forward reproduces logits", "[forward]") {
  ModelSpec s = tiny_spec("llama");
  auto m = make_tiny(s, 17, DType::Q8_0, DType::Q8_0);
  auto tokens = some_tokens(10, s.vocab, 21);
  CpuForward fw(m->w, 16);
  KvCache kv = fw.make_cache(s.context);
  fw.forward(tokens.data(), 6, 0, kv, 1);
  std::vector<float> want = rows(fw.forward(tokens.data() + 6, 4, 6, kv, 4), 4, s.vocab);
  // Speculate 4 wrong tokens past position 6, roll back, re-verify the right ones.
  kv.truncate(6);
  auto wrong = some_tokens(4, s.vocab, 99);
  fw.forward(wrong.data(), 4, 6, kv, 4);
  CHECK(kv.length() == 10);
  kv.truncate(6);
  CHECK(kv.length() == 6);
  const float* got = fw.forward(tokens.data() + 6, 4, 6, kv, 4);
  for (int r = 0; r < 4; ++r) CHECK(rel_diff(got + r * s.vocab, want.data() + r * s.vocab, s.vocab) < 1e-6);
  // Partial rollback: keep 2 of the 4, redo the last 2.
  kv.truncate(8);
  const float* again = fw.forward(tokens.data() + 8, 2, 8, kv, 2);
  for (int r = 0; r < 2; ++r) CHECK(rel_diff(again + r * s.vocab, want.data() + (r + 2) * s.vocab, s.vocab) < 1e-6);
}

TEST_CASE("layer-range forwards composed equal the full forward", "[forward]") {
  ModelSpec s = tiny_spec("qwen2");
  auto m = make_tiny(s, 23, DType::Q4_0, DType::Q8_0);
  auto tokens = some_tokens(9, s.vocab, 4);
  const int n = int(tokens.size());
  const int64_t d = s.d_model;
  CpuForward fw(m->w, 16);
  KvCache full = fw.make_cache(s.context);
  std::vector<float> want = rows(fw.forward(tokens.data(), n, 0, full, n), n, s.vocab);
  // Split at layer 1 across two caches (as two devices would hold them).
  KvCache lo = fw.make_cache(s.context, 0, 1), hi = fw.make_cache(s.context, 1, s.n_layers);
  std::vector<float> x(size_t(n * d)), logits(size_t(n * s.vocab));
  for (int c0 = 0; c0 < n; c0 += 4) {  // in steps, as decode would
    int mc = std::min(4, n - c0);
    fw.embed(tokens.data() + c0, mc, x.data() + c0 * d);
    fw.run_layers(x.data() + c0 * d, mc, c0, 0, 1, lo);
    fw.run_layers(x.data() + c0 * d, mc, c0, 1, s.n_layers, hi);
  }
  fw.head(x.data(), n, logits.data());
  for (int r = 0; r < n; ++r) CHECK(rel_diff(logits.data() + r * s.vocab, want.data() + r * s.vocab, s.vocab) < 1e-6);
  CHECK(lo.length() == n);
  CHECK(hi.length() == n);
}

TEST_CASE("self-drafting with the first layers then full verification", "[forward]") {
  // The draft runs layers [0, 1) ahead; the target then re-runs all layers over those positions.
  ModelSpec s = tiny_spec("llama");
  auto m = make_tiny(s, 31);
  auto tokens = some_tokens(8, s.vocab, 8);
  const int64_t d = s.d_model;
  CpuForward fw(m->w, 16);
  KvCache kv = fw.make_cache(s.context), ref = fw.make_cache(s.context);
  std::vector<float> want = rows(fw.forward(tokens.data(), 8, 0, ref, 8), 8, s.vocab);
  fw.forward(tokens.data(), 5, 0, kv, 1);
  std::vector<float> x(size_t(3 * d));
  for (int i = 0; i < 3; ++i) {  // drafted positions 5, 6, 7 in layer 0 only
    fw.embed(tokens.data() + 5 + i, 1, x.data());
    fw.run_layers(x.data(), 1, 5 + i, 0, 1, kv);
  }
  CHECK(kv.length(0) == 8);
  CHECK(kv.length(1) == 5);
  CHECK(kv.length() == 5);
  const float* got = fw.forward(tokens.data() + 5, 3, 5, kv, 3);
  for (int r = 0; r < 3; ++r) CHECK(rel_diff(got + r * s.vocab, want.data() + (r + 5) * s.vocab, s.vocab) < 1e-6);
}

TEST_CASE("forward rejects bad input with clear errors", "[forward]") {
  ModelSpec s = tiny_spec("llama");
  auto m = make_tiny(s, 1);
  CpuForward fw(m->w, 4);
  KvCache kv = fw.make_cache(8);
  std::vector<int32_t> t(9, 1);
  CHECK_THROWS_WITH(fw.forward(t.data(), 9, 0, kv, 1), Catch::Contains("context full"));
  std::vector<int32_t> bad{1, s.vocab};
  CHECK_THROWS_WITH(fw.forward(bad.data(), 2, 0, kv, 1), Catch::Contains("outside the vocabulary"));
  CHECK_THROWS_WITH(fw.forward(t.data(), 1, 3, kv, 1), Catch::Contains("hole"));
  KvCache part = fw.make_cache(8, 0, 1);
  CHECK_THROWS_WITH(fw.forward(t.data(), 1, 0, part, 1), Catch::Contains("lacks layer 1"));
  ModelWeights broken = m->w;
  broken.layers[1].wk.rows = 5;
  CHECK_THROWS_WITH(CpuForward(broken, 4), Catch::Contains("blk.1.attn_k.weight"));
}

TEST_CASE("rope: llama3 factors and rope_freqs tensor agree", "[forward]") {
  ModelSpec s = tiny_spec("llama");
  s.rope_scaling = RopeScaling{32.0, 1.0, 4.0, 64};
  auto ff = llama3_factors(s);
  REQUIRE(ff.size() == size_t(s.head_dim / 2));
  CHECK(ff.front() == 1.0f);               // highest frequency untouched
  CHECK(ff.back() == Approx(32.0f));       // lowest frequency divided by the factor
  for (size_t i = 1; i < ff.size(); ++i) CHECK(ff[i] >= ff[i - 1]);
  Rope a(s, nullptr), b(s, ff.data());
  std::vector<float> ca(size_t(s.head_dim)), cb(size_t(s.head_dim));
  a.cos_sin(37, ca.data());
  b.cos_sin(37, cb.data());
  CHECK(ca == cb);
}
