#include "hetspec/engine/cpu_forward.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <string>

#include "hetspec/core/error.hpp"
#include "hetspec/core/fp16.hpp"
#include "hetspec/engine/cpu/matmul.hpp"
#include "hetspec/engine/cpu/thread_pool.hpp"
#include "hetspec/engine/cpu/quant_blocks.hpp"

namespace hetspec {

namespace {
void add_bias(const CpuOps& ops, float* y, const float* b, int m, int64_t n) {  // y (m, n) += b (n)
  if (!b) return;
  for (int i = 0; i < m; ++i) ops.add(y + i * n, b, y + i * n, n);
}
// Values as f16 would hold them (llama.cpp feeds q and the softmax weights to f16 dots).
void round_to_f16(const CpuOps& ops, float* x, uint16_t* tmp, int64_t n) {
  ops.f32_to_f16(x, tmp, n);
  for (int64_t i = 0; i < n; ++i) x[i] = fp16_to_fp32(tmp[i]);
}
}  // namespace

CpuForward::CpuForward(const ModelWeights& weights, int max_batch, ThreadPool* pool)
    : w_(weights), max_batch_(max_batch), pool_(pool), ops_(cpu_ops()), rope_(weights.spec, weights.rope_freqs) {
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
  if (s.reads_features) cat_.resize(mb * 2 * size_t(s.d_model));
}

KvCache CpuForward::make_cache(int capacity, int l0, int l1) const {
  if (l1 < 0) l1 = w_.spec.n_layers;
  return KvCache(capacity, int(w_.spec.kv_dim()), l0, l1);
}

void CpuForward::mm(const WeightView& w, const float* x, float* y, int m) {
  if (reference_matmul_) matmul_ref(w, x, y, m);
  else matmul(w, x, y, m, pool_);
}

void CpuForward::mm_many(const WeightView* const* ws, float* const* ys, int count, const float* x, int m) {
  if (reference_matmul_) {
    for (int j = 0; j < count; ++j) matmul_ref(*ws[j], x, ys[j], m);
    return;
  }
  WeightView v[4];
  check(count >= 1 && count <= 4, "forward", "mm_many takes 1 to 4 weights");
  for (int j = 0; j < count; ++j) v[j] = *ws[j];
  matmul_many(v, ys, count, x, m, pool_);
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

    // Runs one stage, timing it when profiling (stages_ set).
    auto stage = [this](double StageTimes::*acc, int calls, auto&& fn) {
      if (!stages_) return fn();
      auto t0 = std::chrono::steady_clock::now();
      fn();
      stages_->*acc += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      stages_->dispatches += calls;
    };
    constexpr auto MM = &StageTimes::matmul_s, ATT = &StageTimes::attention_s, EW = &StageTimes::elementwise_s;
    for (int l = l0; l < l1; ++l) {
      const LayerWeights& L = w_.layers[size_t(l)];
      // --- attention block ---
      stage(EW, 1, [&] { ops_.rmsnorm(xc, L.attn_norm, xn_.data(), mc, d, eps); });  // (mc, d)
      stage(MM, 1, [&] {  // q (mc, qd), k (mc, kvd), v (mc, kvd)
        const WeightView* ws[3] = {&L.wq, &L.wk, &L.wv};
        float* ys[3] = {q_.data(), k_.data(), v_.data()};
        mm_many(ws, ys, 3, xn_.data(), mc);
      });
      uint16_t* kc = kv.k(l);  // (capacity, kvd) f16
      uint16_t* vc = kv.v(l);  // (capacity, kvd) f16
      stage(EW, 1, [&] {
        add_bias(ops_, q_.data(), L.bq, mc, qd);
        add_bias(ops_, k_.data(), L.bk, mc, kvd);
        add_bias(ops_, v_.data(), L.bv, mc, kvd);
        for (int i = 0; i < mc; ++i) {
          rope_.apply(q_.data() + i * qd, s.n_heads, cs_.data() + i * hd);
          rope_.apply(k_.data() + i * kvd, s.n_kv_heads, cs_.data() + i * hd);
          uint16_t* kr = kc + int64_t(p0 + i) * kvd;
          uint16_t* vr = vc + int64_t(p0 + i) * kvd;
          ops_.f32_to_f16(k_.data() + i * kvd, kr, kvd);
          ops_.f32_to_f16(v_.data() + i * kvd, vr, kvd);
        }
      });
      kv.set_length(l, p0 + mc);
      stage(ATT, 1, [&] { attention(l, mc, p0, kv, !batch_invariant_ && (m > 1 || forward_batched_)); });  // att_ (mc, qd)
      stage(MM, 1, [&] { mm(L.wo, att_.data(), proj_.data(), mc); });  // (mc, d)
      stage(EW, 2, [&] {
        ops_.add(xc, proj_.data(), xc, int64_t(mc) * d);
        // --- feed-forward block ---
        ops_.rmsnorm(xc, L.ffn_norm, xn_.data(), mc, d, eps);  // (mc, d)
      });
      stage(MM, 1, [&] {  // gate (mc, f), up (mc, f)
        const WeightView* ws[2] = {&L.w_gate, &L.w_up};
        float* ys[2] = {gate_.data(), up_.data()};
        mm_many(ws, ys, 2, xn_.data(), mc);
      });
      stage(EW, 1, [&] { ops_.silu_mul(gate_.data(), up_.data(), gate_.data(), int64_t(mc) * f); });
      stage(MM, 1, [&] { mm(L.w_down, gate_.data(), proj_.data(), mc); });  // (mc, d)
      stage(EW, 1, [&] { ops_.add(xc, proj_.data(), xc, int64_t(mc) * d); });
    }
  }
}

void CpuForward::attention(int layer, int m, int pos0, KvCache& kv, bool batched) {
  const ModelSpec& s = w_.spec;
  const int64_t qd = s.q_dim(), kvd = s.kv_dim(), hd = s.head_dim;
  const int group = s.n_heads / s.n_kv_heads;
  const float scale = 1.0f / std::sqrt(float(hd));
  const uint16_t* kc = kv.k(layer);  // (capacity, kvd) f16
  const uint16_t* vc = kv.v(layer);  // (capacity, kvd) f16
  // One item per (token, head). Rounding follows llama.cpp's CPU attention (no flash attention):
  // q and the softmax weights meet the f16 cache as f16 values; dots accumulate in f32, in
  // llama.cpp's order for one query or, when batched, for several (its GEMM).
  const int64_t items = int64_t(m) * s.n_heads;
  const auto scores_fn = batched ? ops_.attn_scores_f16_batch : ops_.attn_scores_f16;
  const auto values_fn = batched ? ops_.attn_values_f16_batch : ops_.attn_values_f16;
  auto work = [&](int64_t b, int64_t e) {
    std::vector<float> sc(size_t(pos0 + m));     // (n_keys) scores, then weights
    std::vector<uint16_t> tmp(size_t(std::max<int64_t>(hd, pos0 + m)));
    std::vector<float> qh(static_cast<size_t>(hd));  // (hd)
    for (int64_t it = b; it < e; ++it) {
      const int i = int(it / s.n_heads), h = int(it % s.n_heads);
      const int n_keys = pos0 + i + 1;  // causal: positions [0, pos0 + i]
      const int64_t kvh = h / group;
      std::copy_n(q_.data() + i * qd + h * hd, hd, qh.data());
      round_to_f16(ops_, qh.data(), tmp.data(), hd);
      scores_fn(qh.data(), kc + kvh * hd, kvd, n_keys, hd, scale, sc.data());
      ops_.softmax(sc.data(), n_keys);
      round_to_f16(ops_, sc.data(), tmp.data(), n_keys);
      values_fn(sc.data(), vc + kvh * hd, kvd, n_keys, hd, att_.data() + i * qd + h * hd);
    }
  };
  // Waking the pool costs microseconds; short contexts are cheaper on one thread.
  const int64_t work_macs = items * int64_t(pos0 + m) * hd * 2;
  if (pool_ && pool_->threads() > 1 && items > 1 && work_macs >= (int64_t(1) << 18)) {
    const int64_t grain = (items + pool_->threads() - 1) / pool_->threads();  // one scratch set per chunk
    pool_->parallel_for(items, grain, work);
  } else {
    work(0, items);
  }
}

void CpuForward::head(const float* x, int rows, float* logits) {
  const ModelSpec& s = w_.spec;
  const int64_t d = s.d_model;
  for (int r0 = 0; r0 < rows; r0 += max_batch_) {
    const int rc = std::min(max_batch_, rows - r0);
    ops_.rmsnorm(x + int64_t(r0) * d, w_.output_norm, xn_.data(), rc, d, float(s.rms_eps));  // (rc, d)
    mm(w_.output, xn_.data(), logits + int64_t(r0) * s.n_logits(), rc);  // (rc, n_logits)
  }
}

const float* CpuForward::forward(const int32_t* tokens, int m, int pos0, KvCache& kv, int logit_rows, int n_layers,
                                 const float* features) {
  const ModelSpec& s = w_.spec;
  if (s.reads_features && !features)
    throw Error("forward", "this draft reads its target's features (hetspec.draft.kind \"eagle\"): a forward needs them");
  if (!s.reads_features && features) throw Error("forward", "features given to a model that reads only tokens");
  check(m > 0, "forward", "no tokens");
  check(logit_rows >= 1 && logit_rows <= m, "forward",
        "logit_rows " + std::to_string(logit_rows) + " must be in [1, " + std::to_string(m) + "]");
  check_tokens(tokens, m);
  if (n_layers < 0) n_layers = s.n_layers;
  check(n_layers <= s.n_layers, "forward", "n_layers " + std::to_string(n_layers) + " exceeds the model's " + std::to_string(s.n_layers));
  if (pos0 + m > kv.capacity())
    throw Error("forward", "context full: " + std::to_string(pos0 + m) + " positions needed, the KV cache holds " +
                               std::to_string(kv.capacity()));
  const int64_t d = s.d_model;
  hidden_.resize(size_t(logit_rows) * size_t(d));
  if (keep_features_) feat_.resize(size_t(m) * size_t(d));
  if (logits_.size() < size_t(logit_rows) * size_t(s.n_logits())) logits_.resize(size_t(logit_rows) * size_t(s.n_logits()));
  const int first_row = m - logit_rows;
  struct Flag {  // reset even when a layer throws
    bool& f;
    ~Flag() { f = false; }
  } flag{forward_batched_};
  forward_batched_ = m > 1;
  for (int c0 = 0; c0 < m; c0 += max_batch_) {
    const int mc = std::min(max_batch_, m - c0);
    embed(tokens + c0, mc, x_.data());                      // (mc, d)
    if (features) {                                         // x = fc · [embed; g]
      for (int i = 0; i < mc; ++i) {
        std::memcpy(cat_.data() + int64_t(i) * 2 * d, x_.data() + int64_t(i) * d, size_t(d) * sizeof(float));
        std::memcpy(cat_.data() + int64_t(i) * 2 * d + d, features + int64_t(c0 + i) * d, size_t(d) * sizeof(float));
      }
      mm(w_.fc, cat_.data(), x_.data(), mc);                // (mc, 2d) -> (mc, d)
    }
    run_layers(x_.data(), mc, pos0 + c0, 0, n_layers, kv);  // (mc, d)
    if (keep_features_)                                     // the head's input of every row
      ops_.rmsnorm(x_.data(), w_.output_norm, feat_.data() + int64_t(c0) * d, mc, d, float(s.rms_eps));
    for (int i = std::max(c0, first_row); i < c0 + mc; ++i)
      std::memcpy(hidden_.data() + (i - first_row) * d, x_.data() + (i - c0) * d, size_t(d) * sizeof(float));
  }
  head(hidden_.data(), logit_rows, logits_.data());
  return logits_.data();
}

}  // namespace hetspec
