// A tiny random-weight Llama/Qwen2 model built in memory for forward-pass tests, plus a naive
// double-precision reference forward (no KV cache, whole sequence at once, its own RoPE) that
// shares no code with the engine beyond dequantize_row_ref.
#pragma once
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "hetspec/engine/cpu/quant_blocks.hpp"
#include "hetspec/engine/model_weights.hpp"

namespace hetspec::test {

inline ModelSpec tiny_spec(const std::string& arch = "llama") {
  ModelSpec s;
  s.name = "tiny-" + arch;
  s.arch = arch;
  s.n_layers = 3;
  s.d_model = 64;
  s.n_heads = 4;
  s.n_kv_heads = 2;
  s.head_dim = 16;
  s.ffn_dim = 96;
  s.vocab = 128;
  s.context = 64;
  s.tied_embeddings = arch == "llama";
  s.qkv_bias = arch == "qwen2";
  s.rope_theta = arch == "qwen2" ? 1000000 : 10000;
  s.rms_eps = 1e-5;
  s.weight_dtype = DType::F32;
  s.embed_dtype = DType::F32;
  return s;
}

struct TinyModel {
  ModelWeights w;
  std::vector<std::unique_ptr<std::vector<uint8_t>>> store;  // owns all bytes

  WeightView matrix(std::mt19937_64& rng, int64_t rows, int64_t cols, DType t, float stddev) {
    std::normal_distribution<float> nd(0.0f, stddev);
    std::vector<float> f(size_t(rows * cols));
    for (auto& v : f) v = nd(rng);
    size_t rb = row_bytes(t, size_t(cols));
    auto buf = std::make_unique<std::vector<uint8_t>>(rb * size_t(rows));
    for (int64_t r = 0; r < rows; ++r) quantize_row_ref(t, f.data() + r * cols, buf->data() + size_t(r) * rb, cols);
    WeightView v{buf->data(), t, rows, cols};
    store.push_back(std::move(buf));
    return v;
  }
  const float* vec(std::mt19937_64& rng, int64_t n, float mean, float stddev) {
    std::normal_distribution<float> nd(mean, stddev);
    auto buf = std::make_unique<std::vector<uint8_t>>(size_t(n) * sizeof(float));
    float* p = reinterpret_cast<float*>(buf->data());
    for (int64_t i = 0; i < n; ++i) p[i] = nd(rng);
    store.push_back(std::move(buf));
    return p;
  }
};

inline std::unique_ptr<TinyModel> make_tiny(const ModelSpec& s, uint64_t seed, DType wt = DType::F32,
                                            DType et = DType::F32) {
  auto m = std::make_unique<TinyModel>();
  std::mt19937_64 rng(seed);
  m->w.spec = s;
  m->w.spec.weight_dtype = wt;
  m->w.spec.embed_dtype = et;
  const int64_t d = s.d_model, qd = s.q_dim(), kvd = s.kv_dim(), f = s.ffn_dim;
  const float sd = 1.0f / std::sqrt(float(d)), sf = 1.0f / std::sqrt(float(f));
  m->w.token_embd = m->matrix(rng, s.vocab, d, et, 1.0f);
  m->w.output_norm = m->vec(rng, d, 1.0f, 0.1f);
  m->w.output = s.tied_embeddings ? m->w.token_embd : m->matrix(rng, s.vocab, d, et, sd);
  for (int l = 0; l < s.n_layers; ++l) {
    LayerWeights L;
    L.attn_norm = m->vec(rng, d, 1.0f, 0.1f);
    L.wq = m->matrix(rng, qd, d, wt, 2 * sd);
    L.wk = m->matrix(rng, kvd, d, wt, 2 * sd);
    L.wv = m->matrix(rng, kvd, d, wt, sd);
    L.wo = m->matrix(rng, d, qd, wt, sd);
    if (s.qkv_bias) {
      L.bq = m->vec(rng, qd, 0.0f, 0.2f);
      L.bk = m->vec(rng, kvd, 0.0f, 0.2f);
      L.bv = m->vec(rng, kvd, 0.0f, 0.2f);
    }
    L.ffn_norm = m->vec(rng, d, 1.0f, 0.1f);
    L.w_gate = m->matrix(rng, f, d, wt, sd);
    L.w_up = m->matrix(rng, f, d, wt, sd);
    L.w_down = m->matrix(rng, d, f, wt, sf);
    m->w.layers.push_back(L);
  }
  return m;
}

// ---- naive reference, double precision ----
using Mat = std::vector<std::vector<double>>;  // (rows, cols)

inline Mat dequant(const WeightView& v) {
  Mat out(size_t(v.rows), std::vector<double>(size_t(v.cols)));
  std::vector<float> row(size_t(v.cols));
  for (int64_t r = 0; r < v.rows; ++r) {
    dequantize_row_ref(v.dtype, v.row(r), row.data(), v.cols);
    for (int64_t c = 0; c < v.cols; ++c) out[size_t(r)][size_t(c)] = row[size_t(c)];
  }
  return out;
}
inline std::vector<double> matvec(const Mat& w, const std::vector<double>& x, const float* bias = nullptr) {
  std::vector<double> y(w.size());
  for (size_t r = 0; r < w.size(); ++r) {
    double s = bias ? bias[r] : 0.0;
    for (size_t c = 0; c < x.size(); ++c) s += w[r][c] * x[c];
    y[r] = s;
  }
  return y;
}
inline std::vector<double> rmsnorm_ref(const std::vector<double>& x, const float* w, double eps) {
  double ss = 0;
  for (double v : x) ss += v * v;
  double sc = 1.0 / std::sqrt(ss / double(x.size()) + eps);
  std::vector<double> y(x.size());
  for (size_t i = 0; i < x.size(); ++i) y[i] = x[i] * sc * w[i];
  return y;
}
// Rotates one head in place, pair (a, b) by angle p * theta^(-2i/hd) / ff[i].
inline void rope_ref(double* h, int hd, int pos, double theta, bool neox, const std::vector<double>& ff) {
  for (int i = 0; i < hd / 2; ++i) {
    double ang = pos * std::pow(theta, -2.0 * i / hd) / ff[size_t(i)];
    int a = neox ? i : 2 * i, b = neox ? i + hd / 2 : 2 * i + 1;
    double x0 = h[a], x1 = h[b];
    h[a] = x0 * std::cos(ang) - x1 * std::sin(ang);
    h[b] = x0 * std::sin(ang) + x1 * std::cos(ang);
  }
}

// Logits (n, vocab) of every position of `tokens` (positions 0..n-1).
inline Mat reference_logits(const ModelWeights& W, const std::vector<int32_t>& tokens,
                            const std::vector<double>& rope_ff) {
  const ModelSpec& s = W.spec;
  const size_t n = tokens.size(), d = size_t(s.d_model), hd = size_t(s.head_dim);
  const bool neox = s.arch == "qwen2";
  Mat emb = dequant(W.token_embd), out = dequant(W.output);
  Mat x(n);
  for (size_t t = 0; t < n; ++t) x[t] = emb[size_t(tokens[t])];
  for (int l = 0; l < s.n_layers; ++l) {
    const LayerWeights& L = W.layers[size_t(l)];
    Mat wq = dequant(L.wq), wk = dequant(L.wk), wv = dequant(L.wv), wo = dequant(L.wo);
    Mat wg = dequant(L.w_gate), wu = dequant(L.w_up), wd = dequant(L.w_down);
    Mat q(n), k(n), v(n);
    for (size_t t = 0; t < n; ++t) {
      auto xn = rmsnorm_ref(x[t], L.attn_norm, s.rms_eps);
      q[t] = matvec(wq, xn, L.bq);
      k[t] = matvec(wk, xn, L.bk);
      v[t] = matvec(wv, xn, L.bv);
      for (int h = 0; h < s.n_heads; ++h) rope_ref(&q[t][h * hd], int(hd), int(t), s.rope_theta, neox, rope_ff);
      for (int h = 0; h < s.n_kv_heads; ++h) rope_ref(&k[t][h * hd], int(hd), int(t), s.rope_theta, neox, rope_ff);
    }
    for (size_t t = 0; t < n; ++t) {
      std::vector<double> att(size_t(s.q_dim()), 0.0);
      for (int h = 0; h < s.n_heads; ++h) {
        int kvh = h / (s.n_heads / s.n_kv_heads);
        std::vector<double> sc(t + 1);
        double mx = -1e300;
        for (size_t u = 0; u <= t; ++u) {
          double dot = 0;
          for (size_t e = 0; e < hd; ++e) dot += q[t][h * hd + e] * k[u][kvh * hd + e];
          sc[u] = dot / std::sqrt(double(hd));
          mx = std::max(mx, sc[u]);
        }
        double z = 0;
        for (auto& sv : sc) z += (sv = std::exp(sv - mx));
        for (size_t u = 0; u <= t; ++u)
          for (size_t e = 0; e < hd; ++e) att[h * hd + e] += sc[u] / z * v[u][kvh * hd + e];
      }
      auto o = matvec(wo, att);
      for (size_t i = 0; i < d; ++i) x[t][i] += o[i];
      auto xn = rmsnorm_ref(x[t], L.ffn_norm, s.rms_eps);
      auto g = matvec(wg, xn), u = matvec(wu, xn);
      for (size_t i = 0; i < g.size(); ++i) g[i] = g[i] / (1 + std::exp(-g[i])) * u[i];
      auto dn = matvec(wd, g);
      for (size_t i = 0; i < d; ++i) x[t][i] += dn[i];
    }
  }
  Mat logits(n);
  for (size_t t = 0; t < n; ++t) logits[t] = matvec(out, rmsnorm_ref(x[t], W.output_norm, s.rms_eps));
  return logits;
}

}  // namespace hetspec::test
