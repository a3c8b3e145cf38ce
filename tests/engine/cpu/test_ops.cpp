// Vectorized ops of every supported path vs the scalar table; RoPE and its frequency tables vs
// direct formulas. Must build in the kernels-only cross build (no other modules).
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "hetspec/core/fp16.hpp"
#include "hetspec/engine/cpu/ops.hpp"

using namespace hetspec;

namespace {

std::vector<float> rnd(int64_t n, std::mt19937& rng, float scale = 1.0f) {
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

std::vector<uint16_t> rnd_f16(int64_t n, std::mt19937& rng) {
  std::vector<float> f = rnd(n, rng, 2.0f);
  std::vector<uint16_t> h(n);
  for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_fp16(f[i]);
  return h;
}

// max over i of |a - b| / (atol + rtol * |b|)
double worst(const std::vector<float>& a, const std::vector<float>& b, double rtol, double atol) {
  double w = 0;
  for (size_t i = 0; i < a.size(); ++i) w = std::max(w, std::fabs(double(a[i]) - b[i]) / (atol + rtol * std::fabs(b[i])));
  return w;
}

}  // namespace

TEST_CASE("ops: every path matches the scalar ops", "[kernels]") {
  std::mt19937 rng(99);
  const CpuOps& ref = cpu_ops(CpuPath::Scalar);
  for (CpuPath p : supported_cpu_paths()) {
    const CpuOps& o = cpu_ops(p);
    for (int64_t d : {1, 7, 16, 45, 64, 576, 1000}) {
      INFO(cpu_path_name(p) << " d=" << d);
      // rmsnorm over 3 rows, in place and out of place
      std::vector<float> x = rnd(3 * d, rng, 3.0f), w = rnd(d, rng), y1(3 * d), y2(3 * d);
      ref.rmsnorm(x.data(), w.data(), y1.data(), 3, d, 1e-5f);
      o.rmsnorm(x.data(), w.data(), y2.data(), 3, d, 1e-5f);
      CHECK(worst(y2, y1, 1e-5, 1e-6) <= 1.0);
      std::vector<float> xi = x;
      o.rmsnorm(xi.data(), w.data(), xi.data(), 3, d, 1e-5f);
      CHECK(xi == y2);
      // softmax (with a wide range of logits) and silu·up
      std::vector<float> s1 = rnd(d, rng, 40.0f), s2 = s1;
      ref.softmax(s1.data(), d);
      o.softmax(s2.data(), d);
      CHECK(worst(s2, s1, 1e-5, 1e-12) <= 1.0);
      std::vector<float> g = rnd(d, rng, 30.0f), u = rnd(d, rng), z1(d), z2(d);
      ref.silu_mul(g.data(), u.data(), z1.data(), d);
      o.silu_mul(g.data(), u.data(), z2.data(), d);
      CHECK(worst(z2, z1, 1e-5, 1e-20) <= 1.0);
      ref.add(g.data(), u.data(), z1.data(), d);
      o.add(g.data(), u.data(), z2.data(), d);
      CHECK(z1 == z2);
      // f16 conversion: exact (round to nearest even everywhere)
      std::vector<uint16_t> h1(d), h2(d);
      ref.f32_to_f16(g.data(), h1.data(), d);
      o.f32_to_f16(g.data(), h2.data(), d);
      CHECK(h1 == h2);
    }
    // attention over an f16 cache with a row stride (several heads interleaved)
    for (int64_t hd : {8, 33, 64, 128}) {
      for (int64_t nk : {1, 5, 70}) {
        INFO(cpu_path_name(p) << " head_dim=" << hd << " keys=" << nk);
        const int64_t stride = 3 * hd + 5;
        std::vector<uint16_t> k = rnd_f16(nk * stride, rng), v = rnd_f16(nk * stride, rng);
        std::vector<float> q = rnd(hd, rng), s1(nk), s2(nk);
        ref.attn_scores_f16(q.data(), k.data() + hd, stride, nk, hd, 0.125f, s1.data());
        o.attn_scores_f16(q.data(), k.data() + hd, stride, nk, hd, 0.125f, s2.data());
        double sum_abs = 0;
        for (int64_t t = 0; t < hd; ++t) sum_abs += std::fabs(q[t]) * 2.0;
        CHECK(worst(s2, s1, 0, 1e-6 * sum_abs * 0.125 + 1e-7) <= 1.0);
        std::vector<float> pr = rnd(nk, rng), o1(hd), o2(hd, 123.0f);
        ref.attn_values_f16(pr.data(), v.data() + 2 * hd, stride, nk, hd, o1.data());
        o.attn_values_f16(pr.data(), v.data() + 2 * hd, stride, nk, hd, o2.data());
        CHECK(worst(o2, o1, 0, 1e-6 * nk * 2.0 + 1e-7) <= 1.0);
      }
    }
  }
}

TEST_CASE("ops: scalar ops against direct formulas", "[kernels]") {
  const CpuOps& o = cpu_ops(CpuPath::Scalar);
  std::vector<float> x = {1, 2, 3}, p = {0.0f, std::log(3.0f)};
  std::vector<float> w = {1, 1, 2}, y(3);
  o.rmsnorm(x.data(), w.data(), y.data(), 1, 3, 0.0f);
  const float r = std::sqrt(14.0f / 3.0f);
  CHECK(y[0] == Approx(1 / r));
  CHECK(y[2] == Approx(6 / r));
  o.softmax(p.data(), 2);
  CHECK(p[0] == Approx(0.25f));
  CHECK(p[1] == Approx(0.75f));
  float g = 2.0f, u = 3.0f, z;
  o.silu_mul(&g, &u, &z, 1);
  CHECK(z == Approx(2.0f / (1.0f + std::exp(-2.0f)) * 3.0f));
}

TEST_CASE("rope: normal and neox pairs, frequency tables", "[kernels]") {
  const int64_t hd = 8, heads = 2;
  std::vector<float> inv = rope_inv_freq(hd, 10000.0);
  REQUIRE(inv.size() == 4);
  CHECK(inv[0] == 1.0f);
  CHECK(inv[1] == Approx(std::pow(10000.0, -2.0 / 8)));
  std::vector<float> ff = {1, 2, 4, 8};
  std::vector<float> inv2 = rope_inv_freq(hd, 10000.0, ff.data());
  CHECK(inv2[3] == Approx(inv[3] / 8));

  std::vector<float> base(heads * hd);
  for (size_t i = 0; i < base.size(); ++i) base[i] = static_cast<float>(i + 1);
  const int64_t pos[1] = {3};
  auto a = base, b = base;
  rope(a.data(), 1, heads * hd, heads, hd, hd, pos, inv.data(), RopeMode::Normal);
  rope(b.data(), 1, heads * hd, heads, hd, hd, pos, inv.data(), RopeMode::NeoX);
  for (int64_t h = 0; h < heads; ++h) {
    for (int64_t i = 0; i < hd / 2; ++i) {
      const double th = 3.0 * inv[i], c = std::cos(th), s = std::sin(th);
      const float* x = base.data() + h * hd;
      CHECK(a[h * hd + 2 * i] == Approx(x[2 * i] * c - x[2 * i + 1] * s));
      CHECK(a[h * hd + 2 * i + 1] == Approx(x[2 * i] * s + x[2 * i + 1] * c));
      CHECK(b[h * hd + i] == Approx(x[i] * c - x[i + hd / 2] * s));
      CHECK(b[h * hd + i + hd / 2] == Approx(x[i] * s + x[i + hd / 2] * c));
    }
  }
  // partial rotation leaves the rest alone; position 0 is the identity
  auto c = base;
  const int64_t pos0[1] = {0};
  rope(c.data(), 1, heads * hd, heads, hd, 4, pos0, inv.data(), RopeMode::Normal);
  CHECK(c == base);
  auto d = base;
  rope(d.data(), 1, heads * hd, heads, hd, 4, pos, inv.data(), RopeMode::Normal);
  for (int64_t i = 4; i < hd; ++i) CHECK(d[i] == base[i]);
}

TEST_CASE("ops: outputs may alias inputs", "[kernels]") {
  std::mt19937 rng(4);
  for (CpuPath p : supported_cpu_paths()) {
    const CpuOps& o = cpu_ops(p);
    INFO(cpu_path_name(p));
    std::vector<float> g = rnd(1000, rng, 8.0f), u = rnd(1000, rng), y(1000);
    o.silu_mul(g.data(), u.data(), y.data(), 1000);
    std::vector<float> g2 = g, u2 = u;
    o.silu_mul(g2.data(), u.data(), g2.data(), 1000);  // into gate
    o.silu_mul(g.data(), u2.data(), u2.data(), 1000);  // into up
    CHECK(g2 == y);
    CHECK(u2 == y);
    std::vector<float> a = rnd(77, rng), b = rnd(77, rng), c(77);
    o.add(a.data(), b.data(), c.data(), 77);
    o.add(a.data(), b.data(), a.data(), 77);
    CHECK(a == c);
  }
}

TEST_CASE("rope: several tokens with their own positions, heads inside a wider row", "[kernels]") {
  // Q of 2 heads (dim 8) at the start of a fused row of 40 floats; tokens at positions 5 and 9.
  const int64_t hd = 8, heads = 2, stride = 40, m = 2;
  std::vector<float> inv = rope_inv_freq(hd, 500000.0);
  std::vector<float> x(m * stride);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 13) - 6.0f;
  const int64_t pos[2] = {5, 9};
  auto y = x;
  rope(y.data(), m, stride, heads, hd, hd, pos, inv.data(), RopeMode::NeoX);
  for (int64_t t = 0; t < m; ++t) {
    auto one = std::vector<float>(x.begin() + t * stride, x.begin() + (t + 1) * stride);
    rope(one.data(), 1, stride, heads, hd, hd, &pos[t], inv.data(), RopeMode::NeoX);
    for (int64_t i = 0; i < stride; ++i) CHECK(y[t * stride + i] == one[i]);
    for (int64_t i = heads * hd; i < stride; ++i) CHECK(y[t * stride + i] == x[t * stride + i]);  // untouched
  }
  // rotation preserves each pair's norm
  for (int64_t i = 0; i < hd / 2; ++i) {
    const double n0 = std::hypot(x[i], x[i + hd / 2]), n1 = std::hypot(y[i], y[i + hd / 2]);
    CHECK(n1 == Approx(n0).epsilon(1e-6));
  }
}

TEST_CASE("rope: llama3 frequency factors", "[kernels]") {
  // Llama-3.2 settings: factor 32, low 1, high 4, original context 8192, theta 500000, head_dim 64.
  std::vector<float> f = llama3_rope_freq_factors(64, 500000.0, 32.0, 1.0, 4.0, 8192);
  REQUIRE(f.size() == 32);
  CHECK(f[0] == 1.0f);    // highest frequency: unchanged
  CHECK(f[31] == 32.0f);  // lowest frequency: divided by the factor
  for (size_t i = 1; i < f.size(); ++i) CHECK(f[i] >= f[i - 1]);  // monotone in between
  bool smooth = false;
  for (float v : f) smooth = smooth || (v > 1.0f && v < 32.0f);
  CHECK(smooth);
}
