#include "hetspec/engine/cpu/forward.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "hetspec/core/error.hpp"
#include "hetspec/core/fp16.hpp"
#include "hetspec/engine/cpu/forward_gemm.hpp"
#include "hetspec/engine/cpu/quant_blocks.hpp"
#include "hetspec/engine/cpu/ref_ops.hpp"

namespace hetspec {

namespace {
void add_bias(float* y, const float* b, int m, int64_t n) {  // y (m, n) += b (n)
  if (!b) return;
  for (int i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) y[i * n + j] += b[j];
}
void add_rows(float* x, const float* y, int64_t n) {  // x (n) += y (n)
  for (int64_t j = 0; j < n; ++j) x[j] += y[j];
}
}  // namespace

CpuForward::CpuForward(const ModelWeights& weights, int max_batch, ThreadPool* pool)
    : w_(weights), max_batch_(max_batch), pool_(pool), rope_(weights.spec, weights.rope_freqs) {
  validate_weights(w_, "CpuForward");
  check(max_batch > 0, "CpuForward", "max_batch must be positive");
  const ModelSpec& s = w_.spec;
  const size_t mb = size_t(max_batch);
  x_.resize(mb * size_t(s.d_model));
  xn_.resize(mb * size_t(s.d_model));
  q_.resize(mb * size_t(s.q_dim()));
  k_.resize(mb * size_t(s.kv_dim()));
  v_.resize(mb * size_t(s.kv_dim()));
  att_.resize(mb * size_t(s.q_dim()));
  proj_.resize(mb * size_t(s.d_model));
  gate_.resize(mb * size_t(s.ffn_dim));
  up_.resize(mb * size_t(s.ffn_dim));
  cs_.resize(mb * size_t(s.head_dim));
}

KvCache CpuForward::make_cache(int capacity, int l0, int l1) const {
  if (l1 < 0) l1 = w_.spec.n_layers;
  return KvCache(capacity, int(w_.spec.kv_dim()), l0, l1);
}

void CpuForward::check_tokens(const int32_t* tokens, int m) const {
  for (int i = 0; i < m; ++i)
    if (tokens[i] < 0 || tokens[i] >= w_.spec.vocab)
      throw Error("forward", "token id " + std::to_string(tokens[i]) + " outside the vocabulary [0, " +
                                 std::to_string(w_.spec.vocab) + ")");
}

void CpuForward::embed(const int32_t* tokens, int m, float* x) const {
  check_tokens(tokens, m);
  const int64_t d = w_.spec.d_model;
  for (int i = 0; i < m; ++i) dequantize_row_ref(w_.token_embd.dtype, w_.token_embd.row(tokens[i]), x + i * d, d);
}

void CpuForward::run_layers(float* x, int m, int pos0, int l0, int l1, KvCache& kv) {
  const ModelSpec& s = w_.spec;
  check(m > 0 && pos0 >= 0, "forward", "need m > 0 tokens at a position >= 0");
  check(0 <= l0 && l0 <= l1 && l1 <= s.n_layers, "forward",
        "layer range [" + std::to_string(l0) + ", " + std::to_string(l1) + ") outside the model's " +
            std::to_string(s.n_layers) + " layers");
  if (pos0 + m > kv.capacity())
    throw Error("forward", "context full: positions up to " + std::to_string(pos0 + m) + " but the KV cache holds " +
                               std::to_string(kv.capacity()));
  for (int l = l0; l < l1; ++l) {
    check(kv.has_layer(l), "forward", "KV cache lacks layer " + std::to_string(l));
    if (pos0 > kv.length(l))
      throw Error("forward", "position " + std::to_string(pos0) + " leaves a hole in layer " + std::to_string(l) +
                                 "'s KV cache (length " + std::to_string(kv.length(l)) + ")");
  }
  const int64_t d = s.d_model, qd = s.q_dim(), kvd = s.kv_dim(), f = s.ffn_dim, hd = s.head_dim;
  const float eps = float(s.rms_eps);

  for (int c0 = 0; c0 < m; c0 += max_batch_) {
    const int mc = std::min(max_batch_, m - c0);
    const int p0 = pos0 + c0;
    float* xc = x + int64_t(c0) * d;  // (mc, d)
    for (int i = 0; i < mc; ++i) rope_.cos_sin(p0 + i, cs_.data() + i * hd);

    for (int l = l0; l < l1; ++l) {
      const LayerWeights& L = w_.layers[size_t(l)];
      // --- attention block ---
      for (int i = 0; i < mc; ++i) refops::rmsnorm(xc + i * d, L.attn_norm, xn_.data() + i * d, d, eps);
      forward_gemm(L.wq, xn_.data(), q_.data(), mc, pool_);  // (mc, qd)
      forward_gemm(L.wk, xn_.data(), k_.data(), mc, pool_);  // (mc, kvd)
      forward_gemm(L.wv, xn_.data(), v_.data(), mc, pool_);  // (mc, kvd)
      add_bias(q_.data(), L.bq, mc, qd);
      add_bias(k_.data(), L.bk, mc, kvd);
      add_bias(v_.data(), L.bv, mc, kvd);
      uint16_t* kc = kv.k(l);  // (capacity, kvd) f16
      uint16_t* vc = kv.v(l);  // (capacity, kvd) f16
      for (int i = 0; i < mc; ++i) {
        rope_.apply(q_.data() + i * qd, s.n_heads, cs_.data() + i * hd);
        rope_.apply(k_.data() + i * kvd, s.n_kv_heads, cs_.data() + i * hd);
        uint16_t* kr = kc + int64_t(p0 + i) * kvd;
        uint16_t* vr = vc + int64_t(p0 + i) * kvd;
        for (int64_t j = 0; j < kvd; ++j) {
          kr[j] = fp32_to_fp16(k_[size_t(i * kvd + j)]);
          vr[j] = fp32_to_fp16(v_[size_t(i * kvd + j)]);
        }
      }
      kv.set_length(l, p0 + mc);
      attention(l, mc, p0, kv);                                // att_ (mc, qd)
      forward_gemm(L.wo, att_.data(), proj_.data(), mc, pool_);  // (mc, d)
      add_rows(xc, proj_.data(), int64_t(mc) * d);
      // --- feed-forward block ---
      for (int i = 0; i < mc; ++i) refops::rmsnorm(xc + i * d, L.ffn_norm, xn_.data() + i * d, d, eps);
      forward_gemm(L.w_gate, xn_.data(), gate_.data(), mc, pool_);  // (mc, f)
      forward_gemm(L.w_up, xn_.data(), up_.data(), mc, pool_);      // (mc, f)
      refops::swiglu(gate_.data(), up_.data(), gate_.data(), int64_t(mc) * f);
      forward_gemm(L.w_down, gate_.data(), proj_.data(), mc, pool_);  // (mc, d)
      add_rows(xc, proj_.data(), int64_t(mc) * d);
    }
  }
}

void CpuForward::attention(int layer, int m, int pos0, KvCache& kv) {
  const ModelSpec& s = w_.spec;
  const int64_t qd = s.q_dim(), kvd = s.kv_dim(), hd = s.head_dim;
  const int group = s.n_heads / s.n_kv_heads;
  const float scale = 1.0f / std::sqrt(float(hd));
  const uint16_t* kc = kv.k(layer);  // (capacity, kvd)
  const uint16_t* vc = kv.v(layer);  // (capacity, kvd)
  if (scores_.size() < size_t(pos0 + m)) scores_.resize(size_t(kv.capacity()));
  // Rounding follows llama.cpp's CPU attention (no flash attention): q and the softmax weights
  // meet the f16 cache as f16 values, products accumulate in f32.
  float qh[512];  // (hd) q rounded to f16
  check(hd <= 512, "forward", "head_dim above 512 is not supported");
  for (int i = 0; i < m; ++i) {
    const int n_keys = pos0 + i + 1;  // causal: positions [0, pos0 + i]
    for (int h = 0; h < s.n_heads; ++h) {
      const int64_t kvh = h / group;
      const float* q = q_.data() + i * qd + h * hd;  // (hd)
      float* out = att_.data() + i * qd + h * hd;    // (hd)
      float* sc = scores_.data();                    // (n_keys)
      for (int64_t e = 0; e < hd; ++e) qh[e] = refops::f16_to_f32(fp32_to_fp16(q[e]));
      for (int t = 0; t < n_keys; ++t) sc[t] = refops::dot_f32_f16(qh, kc + t * kvd + kvh * hd, hd) * scale;
      refops::softmax(sc, n_keys);
      std::fill(out, out + hd, 0.0f);
      for (int t = 0; t < n_keys; ++t)
        refops::axpy_f16(refops::f16_to_f32(fp32_to_fp16(sc[t])), vc + t * kvd + kvh * hd, out, hd);
    }
  }
}

void CpuForward::head(const float* x, int rows, float* logits) {
  const ModelSpec& s = w_.spec;
  const int64_t d = s.d_model;
  for (int r0 = 0; r0 < rows; r0 += max_batch_) {
    const int rc = std::min(max_batch_, rows - r0);
    for (int i = 0; i < rc; ++i)
      refops::rmsnorm(x + (r0 + i) * d, w_.output_norm, xn_.data() + i * d, d, float(s.rms_eps));
    forward_gemm(w_.output, xn_.data(), logits + int64_t(r0) * s.vocab, rc, pool_);  // (rc, vocab)
  }
}

const float* CpuForward::forward(const int32_t* tokens, int m, int pos0, KvCache& kv, int logit_rows) {
  const ModelSpec& s = w_.spec;
  check(m > 0, "forward", "no tokens");
  check(logit_rows >= 1 && logit_rows <= m, "forward",
        "logit_rows " + std::to_string(logit_rows) + " must be in [1, " + std::to_string(m) + "]");
  check_tokens(tokens, m);
  if (pos0 + m > kv.capacity())
    throw Error("forward", "context full: " + std::to_string(pos0 + m) + " positions needed, the KV cache holds " +
                               std::to_string(kv.capacity()));
  const int64_t d = s.d_model;
  hidden_.resize(size_t(logit_rows) * size_t(d));
  if (logits_.size() < size_t(logit_rows) * size_t(s.vocab)) logits_.resize(size_t(logit_rows) * size_t(s.vocab));
  const int first_row = m - logit_rows;
  for (int c0 = 0; c0 < m; c0 += max_batch_) {
    const int mc = std::min(max_batch_, m - c0);
    embed(tokens + c0, mc, x_.data());                      // (mc, d)
    run_layers(x_.data(), mc, pos0 + c0, 0, s.n_layers, kv);  // (mc, d)
    for (int i = std::max(c0, first_row); i < c0 + mc; ++i)
      std::memcpy(hidden_.data() + (i - first_row) * d, x_.data() + (i - c0) * d, size_t(d) * sizeof(float));
  }
  head(hidden_.data(), logit_rows, logits_.data());
  return logits_.data();
}

}  // namespace hetspec
