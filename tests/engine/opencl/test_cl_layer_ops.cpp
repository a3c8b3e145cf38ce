// Parity of the OpenCL row / elementwise / attention-side kernels with scalar oracles written here
// in double precision: RMSNorm, softmax, SwiGLU, residual add, RoPE (normal and NeoX, with frequency
// factors), KV append (f16 / f32) and truncate, causal grouped-query attention for 1 and m tokens.
#include <cmath>

#include "cl_test_support.hpp"
#include "hetspec/core/fp16.hpp"
#include "hetspec/engine/opencl/kv_cache.hpp"
#include "hetspec/engine/opencl/ops.hpp"
#include "hetspec/engine/sampler.hpp"

using namespace hetspec;

namespace {

double max_abs_diff(const std::vector<float>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double w = 0;
  for (size_t i = 0; i < a.size(); ++i) w = std::max(w, std::fabs(double(a[i]) - b[i]));
  return w;
}

// Causal GQA oracle. q(m, H, E); kc, vc (n_ctx, Hkv, E) as float values; token t at n_past + t.
std::vector<double> attention_oracle(const ocl::LayerShape& s, const std::vector<float>& q, const std::vector<float>& kc,
                                     const std::vector<float>& vc, int64_t m, int64_t n_past) {
  const int E = s.head_dim, H = s.n_heads, Hkv = s.n_kv_heads;
  std::vector<double> out(size_t(m * H * E), 0.0);
  for (int64_t t = 0; t < m; ++t)
    for (int h = 0; h < H; ++h) {
      int kvh = h / (H / Hkv);
      int64_t L = n_past + t + 1;
      std::vector<double> sc(L);
      double mx = -1e300;
      for (int64_t j = 0; j < L; ++j) {
        double d = 0;
        for (int e = 0; e < E; ++e) d += double(q[(t * H + h) * E + e]) * kc[(j * Hkv + kvh) * E + e];
        sc[j] = d / std::sqrt(double(E));
        mx = std::max(mx, sc[j]);
      }
      double sum = 0;
      for (auto& v : sc) sum += (v = std::exp(v - mx));
      for (int e = 0; e < E; ++e) {
        double a = 0;
        for (int64_t j = 0; j < L; ++j) a += sc[j] * vc[(j * Hkv + kvh) * E + e];
        out[(t * H + h) * E + e] = a / sum;
      }
    }
  return out;
}

float kv_round(float v, bool f16) { return f16 ? fp16_to_fp32(fp32_to_fp16(v)) : v; }

// cache rows [length, length + n) = k, v (n, row), appended 64 rows at a time (the forward's max batch).
void append_rows(ocl::Device& d, ocl::ClKvCache& cache, const std::vector<float>& k, const std::vector<float>& v,
                 int64_t n, int64_t row) {
  for (int64_t r = 0; r < n; r += 64) {
    const int64_t c = std::min<int64_t>(64, n - r);
    auto ks = ocl::upload_f32(d, k.data() + r * row, size_t(c * row)), vs = ocl::upload_f32(d, v.data() + r * row, size_t(c * row));
    cache.append(0, ks, vs, c);
    cache.advance(c);
  }
}

}  // namespace

TEST_CASE("OpenCL RMSNorm matches the scalar reference", "[opencl]") {
  HS_CL_TEST_DEVICE(dev);
  for (int64_t n : {576, 1000}) {
    int64_t m = 3;
    auto x = test::random_floats(size_t(m * n), 1, -3, 3);
    auto w = test::random_floats(size_t(n), 2, 0.5, 1.5);
    auto xb = ocl::upload_f32(dev, x.data(), x.size());
    auto wb = ocl::upload_f32(dev, w.data(), w.size());
    ocl::Buffer yb(dev, x.size() * 4);
    ocl::rmsnorm(dev, xb, wb, yb, m, n, 1e-5f);
    auto y = ocl::download_f32(dev, yb, x.size());
    std::vector<double> want(x.size());
    for (int64_t r = 0; r < m; ++r) {
      double ss = 0;
      for (int64_t i = 0; i < n; ++i) ss += double(x[r * n + i]) * x[r * n + i];
      double sc = 1.0 / std::sqrt(ss / n + 1e-5);
      for (int64_t i = 0; i < n; ++i) want[r * n + i] = x[r * n + i] * sc * w[i];
    }
    CHECK(max_abs_diff(y, want) < 1e-5);
  }
}

TEST_CASE("OpenCL softmax, SwiGLU and residual add match the scalar reference", "[opencl]") {
  HS_CL_TEST_DEVICE(dev);
  int64_t rows = 4, n = 1000;
  auto x = test::random_floats(size_t(rows * n), 3, -8, 8);
  auto xb = ocl::upload_f32(dev, x.data(), x.size());
  ocl::softmax(dev, xb, rows, n);
  auto y = ocl::download_f32(dev, xb, x.size());
  std::vector<double> want(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    double mx = -1e300, s = 0;
    for (int64_t i = 0; i < n; ++i) mx = std::max(mx, double(x[r * n + i]));
    for (int64_t i = 0; i < n; ++i) s += std::exp(x[r * n + i] - mx);
    for (int64_t i = 0; i < n; ++i) want[r * n + i] = std::exp(x[r * n + i] - mx) / s;
  }
  CHECK(max_abs_diff(y, want) < 1e-6);

  auto g = test::random_floats(1000, 4, -6, 6), u = test::random_floats(1000, 5, -2, 2);
  auto gb = ocl::upload_f32(dev, g.data(), g.size()), ub = ocl::upload_f32(dev, u.data(), u.size());
  ocl::Buffer ob(dev, 1000 * 4);
  ocl::swiglu(dev, gb, ub, ob, 1000);
  auto o = ocl::download_f32(dev, ob, 1000);
  std::vector<double> ow(1000);
  for (int i = 0; i < 1000; ++i) ow[i] = g[i] / (1.0 + std::exp(-double(g[i]))) * u[i];
  CHECK(max_abs_diff(o, ow) < 1e-5);

  ocl::add(dev, gb, ub, 1000);
  auto a = ocl::download_f32(dev, gb, 1000);
  std::vector<double> aw(1000);
  for (int i = 0; i < 1000; ++i) aw[i] = double(g[i]) + u[i];
  CHECK(max_abs_diff(a, aw) < 1e-6);
}

TEST_CASE("OpenCL RoPE matches the reference in normal and NeoX modes, with frequency factors", "[opencl]") {
  HS_CL_TEST_DEVICE(dev);
  for (bool neox : {false, true}) {
    for (bool factors : {false, true}) {
      ocl::LayerShape s{64, 6, 2, true, neox};
      int64_t m = 5, pos0 = 1000;
      int nh = 6;
      std::vector<float> ff(32);
      for (int i = 0; i < 32; ++i) ff[i] = 1.0f + i * 0.25f;
      auto inv = ocl::rope_inv_freq(64, 500000.0, factors ? ff.data() : nullptr);
      auto x = test::random_floats(size_t(m * nh * 64), 6);
      auto xb = ocl::upload_f32(dev, x.data(), x.size());
      auto ib = ocl::upload_f32(dev, inv.data(), inv.size());
      ocl::rope(dev, s, xb, m, nh, pos0, ib);
      auto y = ocl::download_f32(dev, xb, x.size());
      std::vector<double> want(x.begin(), x.end());
      for (int64_t t = 0; t < m; ++t)
        for (int h = 0; h < nh; ++h)
          for (int i = 0; i < 32; ++i) {
            float ang = float(pos0 + t) * inv[i];  // the angle in float, as the kernel forms it
            double c = std::cos(double(ang)), sn = std::sin(double(ang));
            size_t base = size_t((t * nh + h) * 64);
            size_t a = neox ? base + i : base + 2 * i, b = neox ? base + i + 32 : base + 2 * i + 1;
            want[a] = x[a] * c - x[b] * sn;
            want[b] = x[a] * sn + x[b] * c;
          }
      INFO("neox " << neox << " factors " << factors);
      CHECK(max_abs_diff(y, want) < 2e-5);
    }
  }
  // The inverse frequencies are theta^(-2i/d) / factor.
  auto inv = ocl::rope_inv_freq(8, 10000.0);
  CHECK(inv[0] == Approx(1.0));
  CHECK(inv[1] == Approx(std::pow(10000.0, -0.25)));
}

TEST_CASE("OpenCL KV append and causal GQA attention match the reference for 1 and m tokens", "[opencl]") {
  HS_CL_TEST_DEVICE(dev);
  for (bool f16 : {true, false}) {
    ocl::LayerShape s{64, 6, 2, f16, false};
    const int64_t n_ctx = 40, row = 2 * 64;
    ocl::ClKvCache cache(dev, s, 1, n_ctx);
    std::vector<float> kc(size_t(n_ctx * row), 0.0f), vc(size_t(n_ctx * row), 0.0f);  // oracle copy
    auto append = [&](int64_t m, uint32_t seed) {
      auto k = test::random_floats(size_t(m * row), seed), v = test::random_floats(size_t(m * row), seed + 1);
      auto kb = ocl::upload_f32(dev, k.data(), k.size()), vb = ocl::upload_f32(dev, v.data(), v.size());
      cache.append(0, kb, vb, m);
      for (size_t i = 0; i < k.size(); ++i) {
        kc[cache.length() * row + i] = kv_round(k[i], f16);
        vc[cache.length() * row + i] = kv_round(v[i], f16);
      }
      cache.advance(m);
    };
    auto run = [&](int64_t m, uint32_t seed) {
      int64_t n_past = cache.length() - m;
      auto q = test::random_floats(size_t(m * 6 * 64), seed, -2, 2);
      auto qb = ocl::upload_f32(dev, q.data(), q.size());
      ocl::Buffer sb(dev, ocl::attention_scratch_floats(s, m, n_ctx) * 4), ob(dev, q.size() * 4);
      ocl::attention(dev, s, qb, cache.k(0), cache.v(0), sb, ob, m, n_past, n_ctx);
      auto o = ocl::download_f32(dev, ob, q.size());
      return max_abs_diff(o, attention_oracle(s, q, kc, vc, m, n_past));
    };
    INFO("kv f16 " << f16);
    append(9, 10);  // prefill
    CHECK(run(9, 11) < 2e-5);
    append(4, 20);  // verify 4 drafted tokens
    CHECK(run(4, 21) < 2e-5);
    append(1, 30);  // decode
    CHECK(run(1, 31) < 2e-5);

    // The cache holds exactly the (rounded) values appended.
    std::vector<float> got(size_t(cache.length() * row));
    if (f16) {
      std::vector<uint16_t> h(got.size());
      dev.read(cache.k(0), h.data(), h.size() * 2);
      for (size_t i = 0; i < h.size(); ++i) got[i] = fp16_to_fp32(h[i]);
    } else {
      dev.read(cache.k(0), got.data(), got.size() * 4);
    }
    CHECK(std::equal(got.begin(), got.end(), kc.begin()));

    // Rollback: drop 3 rows, append 2 new ones over them, attend again.
    cache.truncate(cache.length() - 3);
    std::fill(kc.begin() + cache.length() * row, kc.end(), 0.0f);
    std::fill(vc.begin() + cache.length() * row, vc.end(), 0.0f);
    append(2, 40);
    CHECK(cache.length() == 13);
    CHECK(run(2, 41) < 2e-5);
    REQUIRE_THROWS_WITH(cache.truncate(14), Catch::Contains("cannot truncate"));
    REQUIRE_THROWS_WITH(cache.advance(n_ctx), Catch::Contains("overflows"));
  }
}

TEST_CASE("OpenCL attention rejects a context overflow and a bad head layout", "[opencl]") {
  HS_CL_TEST_DEVICE(dev);
  ocl::LayerShape s{64, 6, 2, true, false};
  ocl::Buffer a(dev, 4096), b(dev, 4096);
  REQUIRE_THROWS_WITH(ocl::kv_append(dev, s, a, b, 15, 2, 16), Catch::Contains("cache full"));
  ocl::LayerShape bad{64, 6, 4, true, false};
  REQUIRE_THROWS_WITH(ocl::kv_append(dev, bad, a, b, 0, 1, 4), Catch::Contains("bad layer shape"));
}

TEST_CASE("OpenCL attention with P.V split over position groups (attn_split) matches the reference", "[opencl]") {
  HS_CL_TEST_DEVICE(dev0);
  // attn_wg 16: split 4 leaves 4 lanes per group over head_dim 64 (16 dims each), split 16 one lane
  // (every dim serially); attn_wg 256 (four heads' width) splits 4 ways with a lane per dim, 128 two ways
  // with attn_split 2 asked for 8. Contexts of 1..13 positions leave groups with no position at all.
  for (auto [wg, split] : {std::pair{16, 4}, std::pair{16, 16}, std::pair{256, 8}, std::pair{128, 8}}) {
    auto dev = test::gpu_like_device(dev0, "    attn_wg: " + std::to_string(wg) + "\n    attn_split: " + std::to_string(split) + "\n");
    REQUIRE(dev->tuning().attn_split == split);
    REQUIRE(ocl::attn_split_for(dev->tuning(), 64) == (wg == 16 ? split : wg / 64));
    ocl::LayerShape s{64, 6, 2, true, false};
    const int64_t n_ctx = 24, row = 2 * 64;
    ocl::ClKvCache cache(*dev, s, 1, n_ctx);
    std::vector<float> kc(size_t(n_ctx * row), 0.0f), vc(size_t(n_ctx * row), 0.0f);
    uint32_t seed = 500 + uint32_t(split);
    for (int64_t m : {1, 12}) {  // a first token alone, then a 12-token batch (positions 1..12)
      auto k = test::random_floats(size_t(m * row), seed++), v = test::random_floats(size_t(m * row), seed++);
      auto kb = ocl::upload_f32(*dev, k.data(), k.size()), vb = ocl::upload_f32(*dev, v.data(), v.size());
      cache.append(0, kb, vb, m);
      for (size_t i = 0; i < k.size(); ++i) {
        kc[cache.length() * row + i] = kv_round(k[i], true);
        vc[cache.length() * row + i] = kv_round(v[i], true);
      }
      cache.advance(m);
      const int64_t n_past = cache.length() - m;
      auto q = test::random_floats(size_t(m * 6 * 64), seed++, -2, 2);
      auto qb = ocl::upload_f32(*dev, q.data(), q.size());
      ocl::Buffer sb(*dev, ocl::attention_scratch_floats(s, m, n_ctx) * 4), ob(*dev, q.size() * 4);
      ocl::attention(*dev, s, qb, cache.k(0), cache.v(0), sb, ob, m, n_past, n_ctx);
      auto o = ocl::download_f32(*dev, ob, q.size());
      INFO("attn_split " << split << ", m " << m);
      CHECK(max_abs_diff(o, attention_oracle(s, q, kc, vc, m, n_past)) < 2e-5);
    }
  }
}

TEST_CASE("OpenCL one-token attention with RoPE and KV append folded in (attn_decode) matches the reference",
          "[opencl]") {
  HS_CL_TEST_DEVICE(dev0);
  // Work-groups: the device's own, 128 (P.V split 8 ways at head_dim 64) and 32; head_dim 80 leaves
  // work-items idle in P.V (20 quads). Depths 0 (the new row only), 7, 300 and 520 (two and three
  // chunks of the online softmax).
  for (int wg : {0, 128, 32}) {
    auto dev = test::gpu_like_device(dev0, wg ? "    attn_decode_wg: " + std::to_string(wg) + "\n" : "");
    ocl::Device& d = wg ? *dev : dev0;
    for (ocl::LayerShape s : {ocl::LayerShape{64, 6, 2, true, false}, ocl::LayerShape{128, 4, 4, false, true},
                              ocl::LayerShape{80, 4, 1, true, true}}) {
      const int64_t E = s.head_dim, n_ctx = 600, row = s.n_kv_heads * E, qd = s.n_heads * E;
      uint32_t seed = 900 + uint32_t(E) + uint32_t(wg);
      for (int64_t n_past : {0, 7, 300, 520}) {
        INFO("attn_decode_wg " << wg << ", head_dim " << E << ", n_past " << n_past);
        ocl::ClKvCache cache(d, s, 1, n_ctx);
        std::vector<float> kc(size_t((n_past + 1) * row)), vc(kc.size());
        if (n_past > 0) {
          auto k = test::random_floats(size_t(n_past * row), seed++), v = test::random_floats(size_t(n_past * row), seed++);
          append_rows(d, cache, k, v, n_past, row);
          for (size_t i = 0; i < k.size(); ++i) kc[i] = kv_round(k[i], s.kv_f16), vc[i] = kv_round(v[i], s.kv_f16);
        }
        auto q = test::random_floats(size_t(qd), seed++, -2, 2), k = test::random_floats(size_t(row), seed++);
        auto v = test::random_floats(size_t(row), seed++);
        auto ang = test::random_floats(size_t(E / 2), seed++, -3.0f, 3.0f);
        std::vector<float> cs(static_cast<size_t>(E));
        for (size_t i = 0; i < ang.size(); ++i) cs[2 * i] = std::cos(ang[i]), cs[2 * i + 1] = std::sin(ang[i]);
        auto qb = ocl::upload_f32(d, q.data(), q.size()), kb = ocl::upload_f32(d, k.data(), k.size());
        auto vb = ocl::upload_f32(d, v.data(), v.size()), csb = ocl::upload_f32(d, cs.data(), cs.size());
        ocl::Buffer ob(d, size_t(qd) * 4);
        cache.rope_attend(0, qb, kb, vb, csb, ob);
        // q rotated (in double) and the new row as the kernel wrote it to the cache.
        auto rot = [&](std::vector<float> x, int heads) {
          for (int h = 0; h < heads; ++h)
            for (int64_t i = 0; i < E / 2; ++i) {
              const int64_t a = s.rope_neox ? i : 2 * i, b = s.rope_neox ? i + E / 2 : 2 * i + 1;
              const double x0 = x[h * E + a], x1 = x[h * E + b], c = cs[2 * i], sn = cs[2 * i + 1];
              x[h * E + a] = float(x0 * c - x1 * sn), x[h * E + b] = float(x0 * sn + x1 * c);
            }
          return x;
        };
        const auto qr = rot(q, s.n_heads), kr = rot(k, s.n_kv_heads);
        auto cache_row = [&](const ocl::Buffer& b) {
          std::vector<float> out(static_cast<size_t>(row));
          const size_t off = size_t(n_past * row);
          if (s.kv_f16) {
            std::vector<uint16_t> h(static_cast<size_t>(row));
            d.read(b, h.data(), h.size() * 2, off * 2);
            for (size_t i = 0; i < out.size(); ++i) out[i] = fp16_to_fp32(h[i]);
          } else {
            d.read(b, out.data(), out.size() * 4, off * 4);
          }
          return out;
        };
        const auto krow = cache_row(cache.k(0)), vrow = cache_row(cache.v(0));
        for (int64_t i = 0; i < row; ++i) {
          CHECK(std::fabs(krow[size_t(i)] - kr[size_t(i)]) <= 1e-3f * (1 + std::fabs(kr[size_t(i)])));
          CHECK(vrow[size_t(i)] == kv_round(v[size_t(i)], s.kv_f16));
          kc[size_t(n_past * row + i)] = krow[size_t(i)], vc[size_t(n_past * row + i)] = vrow[size_t(i)];
        }
        CHECK(ocl::download_f32(d, qb, q.size()) == q);  // q is read, not rotated in place
        CHECK(max_abs_diff(ocl::download_f32(d, ob, size_t(qd)), attention_oracle(s, qr, kc, vc, 1, n_past)) < 2e-5);
        // The bound launch of the same token (arguments set once) gives the same output.
        ocl::BoundLaunch site;
        ocl::Buffer ob2(d, size_t(qd) * 4);
        cache.rope_attend(0, qb, kb, vb, csb, ob2, &site);
        CHECK(ocl::download_f32(d, ob2, size_t(qd)) == ocl::download_f32(d, ob, size_t(qd)));
      }
    }
  }
}

TEST_CASE("OpenCL batch attention through attn_decode.cl's kernel (attention_rows) matches the reference",
          "[opencl]") {
  HS_CL_TEST_DEVICE(dev0);
  for (int wg : {0, 128, 32}) {
    auto dev = test::gpu_like_device(dev0, wg ? "    attn_decode_wg: " + std::to_string(wg) + "\n" : "");
    ocl::Device& d = wg ? *dev : dev0;
    for (ocl::LayerShape s : {ocl::LayerShape{64, 6, 2, true, false}, ocl::LayerShape{80, 4, 1, false, true}}) {
      const int64_t E = s.head_dim, n_ctx = 320, row = s.n_kv_heads * E;
      uint32_t seed = 1300 + uint32_t(E) + uint32_t(wg);
      for (auto [n_past, m] : {std::pair<int64_t, int64_t>{0, 1}, {0, 5}, {7, 12}, {290, 9}}) {
        INFO("attn_decode_wg " << wg << ", head_dim " << E << ", n_past " << n_past << ", m " << m);
        ocl::ClKvCache cache(d, s, 1, n_ctx);
        const int64_t n = n_past + m;
        auto k = test::random_floats(size_t(n * row), seed++), v = test::random_floats(size_t(n * row), seed++);
        std::vector<float> kc(k.size()), vc(v.size());
        for (size_t i = 0; i < k.size(); ++i) kc[i] = kv_round(k[i], s.kv_f16), vc[i] = kv_round(v[i], s.kv_f16);
        append_rows(d, cache, k, v, n, row);
        auto q = test::random_floats(size_t(m * s.n_heads * E), seed++, -2, 2);
        auto qb = ocl::upload_f32(d, q.data(), q.size());
        ocl::Buffer ob(d, q.size() * 4);
        ocl::attention_rows(d, s, qb, cache.k(0), cache.v(0), ob, m, n_past, n_ctx);
        CHECK(max_abs_diff(ocl::download_f32(d, ob, q.size()), attention_oracle(s, q, kc, vc, m, n_past)) < 2e-5);
      }
    }
  }
  ocl::LayerShape s{64, 6, 2, true, false};
  ocl::ClKvCache cache(dev0, s, 1, 8);
  ocl::Buffer qb(dev0, 6 * 64 * 4 * 4), ob(dev0, 6 * 64 * 4 * 4);
  REQUIRE_THROWS_WITH(ocl::attention_rows(dev0, s, qb, cache.k(0), cache.v(0), ob, 4, 6, 8), Catch::Contains("exceeds the context"));
  REQUIRE_THROWS_WITH(ocl::attention_rows(dev0, s, qb, cache.k(0), cache.v(0), ob, 5, 0, 8), Catch::Contains("q/out smaller"));
}

TEST_CASE("OpenCL argmax_rows equals the host's argmax: ties, NaN, -inf, tails", "[opencl]") {
  HS_CL_TEST_DEVICE(dev);
  for (int64_t n : {int64_t(1), int64_t(13), int64_t(4099), int64_t(128256)}) {
    const int64_t m = 6;
    auto x = test::random_floats(size_t(m * n), 77 + uint32_t(n), -5, 5);
    float* r = x.data();
    // row 0 random; row 1 its max repeated at three places (the first wins); row 2 NaNs around a max;
    // row 3 all -inf; row 4 all NaN (0); row 5 the maximum in the last (tail) entry.
    r[n + n / 2] = r[n + n - 1] = r[n + n / 3] = 9.0f;
    for (int64_t i = 0; i < n; i += 2) r[2 * n + i] = NAN;
    r[2 * n + n - 1] = 7.0f;
    for (int64_t i = 0; i < n; ++i) r[3 * n + i] = -INFINITY, r[4 * n + i] = NAN;
    r[5 * n + n - 1] = 6.0f;
    auto xb = ocl::upload_f32(dev, x.data(), x.size());
    ocl::Buffer ids(dev, size_t(m) * 4);
    ocl::argmax_rows(dev, xb, ids, m, n);
    std::vector<int32_t> got(static_cast<size_t>(m));
    dev.read(ids, got.data(), got.size() * 4);
    for (int64_t row = 0; row < m; ++row) {
      INFO("n " << n << ", row " << row);
      CHECK(got[size_t(row)] == argmax(x.data() + row * n, n));
    }
    CHECK(got[4] == 0);
    if (n > 1) CHECK(got[5] == n - 1);
  }
}
