#include "hetspec/engine/opencl/cl_forward.hpp"

#include <algorithm>
#include <chrono>

#include "hetspec/core/error.hpp"
#include "hetspec/engine/sampler.hpp"

namespace hetspec::ocl {

namespace {
double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

ClWeight ClForward::up(const WeightView& v, const std::string& name) {
  ClWeight cw = upload_weight(dev_, v, name);
  weight_bytes_ += cw.bytes();
  return cw;
}

Buffer ClForward::vec(const float* p, int64_t n, const std::string& name) {
  if (!p) throw Error(dev_.label() + ": " + name, "missing tensor");
  weight_bytes_ += size_t(n) * 4;
  return upload_f32(dev_, p, size_t(n));
}

ClForward::ClForward(Device& dev, const ModelWeights& w, const ClForwardOptions& opt)
    : dev_(dev),
      w_(w),
      opt_([&] {
        ClForwardOptions o = opt;
        o.fused = o.fused && dev.tuning().fuse_layers;  // a tuning file may turn fusion off per device
        return o;
      }()),
      fuse_in_(opt_.fused && dev.tuning().fuse_inputs),
      fold_max_m_(fuse_in_ ? fold_batch_limit(dev.tuning(), w.spec.d_model) : 0),
      gemv_max_m_(gemv_batch_limit(dev.tuning(), w.spec.d_model, w.spec.weight_dtype)),
      l0_(opt.l0),
      l1_(opt.l1 < 0 ? w.spec.n_layers : opt.l1),
      shape_{w.spec.head_dim, w.spec.n_heads, w.spec.n_kv_heads, opt.kv_f16, rope_mode_for_arch(w.spec.arch) == RopeMode::NeoX},
      rope_(w.spec, w.rope_freqs),
      kv_(dev, shape_, std::max(0, l1_ - l0_),
          opt.capacity > 0 ? opt.capacity : std::min(w.spec.context > 0 ? w.spec.context : 4096, 4096)) {
  const ModelSpec& s = w.spec;
  check(0 <= l0_ && l0_ <= l1_ && l1_ <= s.n_layers, dev.label(),
        "layer range [" + std::to_string(l0_) + ", " + std::to_string(l1_) + ") outside the model's " +
            std::to_string(s.n_layers) + " layers");
  check(opt.max_batch >= 1, dev.label(), "max_batch must be >= 1");
  for (int l = l0_; l < l1_; ++l) {
    const LayerWeights& L = w.layers[size_t(l)];
    std::string p = "blk." + std::to_string(l) + ".";
    Layer c;
    c.attn_norm = vec(L.attn_norm, s.d_model, p + "attn_norm");
    c.ffn_norm = vec(L.ffn_norm, s.d_model, p + "ffn_norm");
    if (L.bq) c.bq = vec(L.bq, s.q_dim(), p + "attn_q.bias");
    if (L.bk) c.bk = vec(L.bk, s.kv_dim(), p + "attn_k.bias");
    if (L.bv) c.bv = vec(L.bv, s.kv_dim(), p + "attn_v.bias");
    auto same = [](const WeightView& a, const WeightView& b) { return a.dtype == b.dtype && a.cols == b.cols; };
    if (opt_.fused && same(L.wq, L.wk) && same(L.wq, L.wv)) {
      c.wqkv = upload_weight_rows(dev, {L.wq, L.wk, L.wv}, p + "attn_qkv");
      weight_bytes_ += c.wqkv.bytes();
    } else {
      c.wq = up(L.wq, p + "attn_q");
      c.wk = up(L.wk, p + "attn_k");
      c.wv = up(L.wv, p + "attn_v");
    }
    c.wo = up(L.wo, p + "attn_output");
    if (opt_.fused && same(L.w_gate, L.w_up)) {
      c.w_gu = upload_weight_rows(dev, {L.w_gate, L.w_up}, p + "ffn_gate_up");
      weight_bytes_ += c.w_gu.bytes();
    } else {
      c.w_gate = up(L.w_gate, p + "ffn_gate");
      c.w_up = up(L.w_up, p + "ffn_up");
    }
    c.w_down = up(L.w_down, p + "ffn_down");
    layers_.push_back(std::move(c));
  }
  const bool tied = w.output.data == w.token_embd.data;
  if (opt.embed) embd_ = up(w.token_embd, "token_embd");
  if (opt.head) {
    output_norm_ = vec(w.output_norm, s.d_model, "output_norm");
    if (!(tied && opt.embed)) output_ = up(w.output, "output");
  }
  const size_t B = size_t(opt.max_batch);
  x_ = Buffer(dev, B * s.d_model * 4);
  xn_ = Buffer(dev, B * s.d_model * 4);
  q_ = Buffer(dev, B * s.q_dim() * 4);
  k_ = Buffer(dev, B * s.kv_dim() * 4);
  v_ = Buffer(dev, B * s.kv_dim() * 4);
  att_ = Buffer(dev, B * s.q_dim() * 4);
  proj_ = Buffer(dev, B * s.d_model * 4);
  gate_ = Buffer(dev, B * s.ffn_dim * 4);
  upb_ = Buffer(dev, B * s.ffn_dim * 4);
  cs_ = Buffer(dev, B * s.head_dim * 4);
  tok_ = Buffer(dev, B * 4);
  scratch_ = Buffer(dev, attention_scratch_floats(shape_, int64_t(B), kv_.n_ctx()) * 4);
  if (opt.head) logits_ = Buffer(dev, B * size_t(s.n_logits()) * 4);
  if (opt.head) ids_ = Buffer(dev, B * 4);
  // Logits come back into pinned memory: a decode step reads a whole vocabulary row (Llama-3: 513 KB).
  if (opt.head && dev.tuning().pinned_logits) logits_pin_ = PinnedHost(dev, B * size_t(s.n_logits()) * 4);
  cs_host_.resize(B * s.head_dim);
  tok_host_.resize(B);
  // Compile every program now (one per weight (dtype, K) + the layer ops): not in the first forward.
  prepare_layer_ops(dev, shape_);
  // Every variant a forward may launch (folded inputs for one token, plain ones for a batch).
  for (auto& L : layers_) {
    for (const ClWeight* cw : {&L.wq, &L.wk, &L.wv, &L.wqkv, &L.w_gate, &L.w_up, &L.w_gu}) {
      if (!cw->buf) continue;
      prepare_matmul(dev, *cw);
      if (fuse_in_) prepare_matmul(dev, *cw, MatIn::RmsNorm);
    }
    prepare_matmul(dev, L.wo, MatIn::Plain, opt_.fused);
    prepare_matmul(dev, L.w_down, MatIn::Plain, opt_.fused);
    if (fuse_in_) prepare_matmul(dev, L.w_down, MatIn::SwiGLU, true);
    if (L.w_gu.buf && matmul_glu_runs(dev, L.w_gu, 1, gemv_max_m_)) {  // gate/up ending in SwiGLU
      prepare_matmul(dev, L.w_gu, MatIn::Plain, false, true);
      if (fuse_in_) prepare_matmul(dev, L.w_gu, MatIn::RmsNorm, false, true);
    }
  }
  if (embd_.buf) prepare_matmul(dev, embd_);
  if (output_.buf) prepare_matmul(dev, output_);
  if (opt.head && fuse_in_) prepare_matmul(dev, output_.buf ? output_ : embd_, MatIn::RmsNorm);
  if (opt.head) prepare_argmax(dev);
}

void ClForward::embed(const int32_t* tokens, int m) {
  check(opt_.embed, dev_.label(), "this ClForward has no token embedding (embed = false)");
  check(m >= 1 && m <= opt_.max_batch, dev_.label(), "embed: m must be in [1, max_batch]");
  for (int i = 0; i < m; ++i)
    if (tokens[i] < 0 || tokens[i] >= w_.spec.vocab)
      throw Error("forward", "token id " + std::to_string(tokens[i]) + " outside the vocabulary (" +
                                 std::to_string(w_.spec.vocab) + ")");
  tok_up_.wait();  // the previous tokens' upload may still read tok_host_ (no clFinish: no host stall)
  std::copy(tokens, tokens + m, tok_host_.begin());
  dev_.write_async(tok_, tok_host_.data(), size_t(m) * 4, 0, &tok_up_);
  ocl::embed(dev_, embd_, tok_, x_, m);  // (m, d)
}

void ClForward::upload_hidden(const float* x, int m) {
  check(m >= 1 && m <= opt_.max_batch, dev_.label(), "upload_hidden: m must be in [1, max_batch]");
  dev_.finish();
  auto t0 = std::chrono::steady_clock::now();
  size_t bytes = size_t(m) * w_.spec.d_model * 4;
  dev_.write(x_, x, bytes);
  up_.seconds += since(t0);
  up_.bytes += double(bytes);
  ++up_.count;
}

void ClForward::download_hidden(float* x, int m) {
  check(m >= 1 && m <= opt_.max_batch, dev_.label(), "download_hidden: m must be in [1, max_batch]");
  dev_.finish();
  auto t0 = std::chrono::steady_clock::now();
  size_t bytes = size_t(m) * w_.spec.d_model * 4;
  dev_.read(x_, x, bytes);
  down_.seconds += since(t0);
  down_.bytes += double(bytes);
  ++down_.count;
}

void ClForward::run_layers(int m, int pos0) {
  const ModelSpec& s = w_.spec;
  check(m >= 1 && m <= opt_.max_batch, dev_.label(), "run_layers: m must be in [1, max_batch]");
  if (pos0 < 0 || pos0 > kv_.length())
    throw Error("forward", "position " + std::to_string(pos0) + " leaves a hole in the OpenCL KV cache (length " +
                               std::to_string(kv_.length()) + ")");
  if (pos0 + m > kv_.n_ctx())
    throw Error("forward", "context full: positions up to " + std::to_string(pos0 + m) + " but the KV cache holds " +
                               std::to_string(kv_.n_ctx()));
  kv_.truncate(pos0);
  const int64_t hd = s.head_dim;
  cs_up_.wait();  // cs_host_ may still be read by the previous call's upload
  for (int i = 0; i < m; ++i) rope_.cos_sin(pos0 + i, cs_host_.data() + i * hd);
  dev_.write_async(cs_, cs_host_.data(), size_t(m) * hd * 4, 0, &cs_up_);
  for (size_t li = 0; li < layers_.size(); ++li) {
    if (opt_.fused) run_layer_fused(layers_[li], int(li), m, pos0);
    else run_layer_ops(layers_[li], int(li), m, pos0);
  }
  kv_.advance(m);
}

void ClForward::run_layer_ops(Layer& L, int li, int m, int pos0) {
  const ModelSpec& s = w_.spec;
  const int64_t d = s.d_model, qd = s.q_dim(), kvd = s.kv_dim(), f = s.ffn_dim;
  const float eps = float(s.rms_eps);
  rmsnorm(dev_, x_, L.attn_norm, xn_, m, d, eps);  // (m, d)
  matmul(dev_, L.wq, xn_, q_, m, gemv_max_m_);                  // (m, qd)
  matmul(dev_, L.wk, xn_, k_, m, gemv_max_m_);                  // (m, kvd)
  matmul(dev_, L.wv, xn_, v_, m, gemv_max_m_);                  // (m, kvd)
  if (L.bq) add_rows(dev_, q_, L.bq, m, qd);
  if (L.bk) add_rows(dev_, k_, L.bk, m, kvd);
  if (L.bv) add_rows(dev_, v_, L.bv, m, kvd);
  rope_table(dev_, shape_, q_, m, s.n_heads, cs_);
  rope_table(dev_, shape_, k_, m, s.n_kv_heads, cs_);
  kv_.append(li, k_, v_, m);
  attention(dev_, shape_, q_, kv_.k(li), kv_.v(li), scratch_, att_, m, pos0, kv_.n_ctx());  // (m, qd)
  matmul(dev_, L.wo, att_, proj_, m, gemv_max_m_);  // (m, d)
  add(dev_, x_, proj_, m * d);
  rmsnorm(dev_, x_, L.ffn_norm, xn_, m, d, eps);
  matmul(dev_, L.w_gate, xn_, gate_, m, gemv_max_m_);  // (m, f)
  matmul(dev_, L.w_up, xn_, upb_, m, gemv_max_m_);     // (m, f)
  swiglu(dev_, gate_, upb_, gate_, m * f);
  matmul(dev_, L.w_down, gate_, proj_, m, gemv_max_m_);  // (m, d)
  add(dev_, x_, proj_, m * d);
}

void ClForward::run_layer_fused(Layer& L, int li, int m, int pos0) {
  const ModelSpec& s = w_.spec;
  const int64_t qd = s.q_dim(), kvd = s.kv_dim(), f = s.ffn_dim;
  const float eps = float(s.rms_eps);
  // Folding RMSNorm / SwiGLU into the matmul's input pays for one token (GEMV); for a batch the GEMM
  // recomputes them per row group and token, which pays only where launches dominate (a narrow
  // model's few-token verify) and costs more than the launches it saves on wide ones (H200:
  // SmolLM2 T(2) 2.2 -> 1.5 ms folded, Llama-1B 2.4 -> 2.6 ms, docs/runs/h200-fuse-batch.md).
  const bool fin = m <= fold_max_m_;
  const bool one = fin && m == 1;
  // The matmul input rmsnorm(x) * w: folded into the matmul, or one launch into xn_.
  auto normed = [&](const Buffer& w) {
    MatmulEx a;
    a.gemv_max_m = gemv_max_m_;
    if (fin) {
      a.x = &x_;
      a.in = MatIn::RmsNorm;
      a.aux = &w;
      a.eps = eps;
    } else {
      rmsnorm(dev_, x_, w, xn_, m, s.d_model, eps);  // (m, d)
      a.x = &xn_;
    }
    return a;
  };
  // One token through the fused layer is the same six launches every token: each goes through its
  // own bound site (arguments set on the first token; the buffers are this forward's own and fixed).
  const bool bind = one && L.wqkv.buf && L.w_gu.buf && !L.bq && !L.bk && !L.bv;
  auto mm = [&](const ClWeight& w, const MatmulEx& a, BoundLaunch& site) {
    if (bind) matmul_ex_bound(dev_, w, a, site);
    else matmul_ex(dev_, w, a, m);
  };
  // q (m, qd), k (m, kvd), v (m, kvd) = rmsnorm(x) . [wq; wk; wv]^T
  MatmulEx qkv = normed(L.attn_norm);
  if (L.wqkv.buf) {
    qkv.y[0] = &q_, qkv.y[1] = &k_, qkv.y[2] = &v_;
    qkv.seg[0] = qd, qkv.seg[1] = kvd, qkv.seg[2] = kvd;
    mm(L.wqkv, qkv, L.qkv_b);
  } else {
    for (auto [w, y] : {std::pair{&L.wq, &q_}, std::pair{&L.wk, &k_}, std::pair{&L.wv, &v_}}) {
      qkv.y[0] = y;
      matmul_ex(dev_, *w, qkv, m);
    }
  }
  if (L.bq) add_rows(dev_, q_, L.bq, m, qd);
  if (L.bk) add_rows(dev_, k_, L.bk, m, kvd);
  if (L.bv) add_rows(dev_, v_, L.bv, m, kvd);
  if (m == 1 && dev_.tuning().attn_decode) {
    kv_.rope_attend(li, q_, k_, v_, cs_, att_, bind ? &L.dec_b : nullptr);  // (1, qd)
  } else if (bind) {
    kv_.rope_append_bound(li, q_, k_, v_, cs_, L.rope_b);
    attention_bound(dev_, shape_, q_, kv_.k(li), kv_.v(li), scratch_, att_, pos0, kv_.n_ctx(), L.attn_b);  // (1, qd)
  } else if (dev_.tuning().attn_decode) {  // a batch: the same online-softmax kernel per (head, token)
    kv_.rope_append(li, q_, k_, v_, cs_, m);
    attention_rows(dev_, shape_, q_, kv_.k(li), kv_.v(li), att_, m, pos0, kv_.n_ctx());  // (m, qd)
  } else {
    kv_.rope_append(li, q_, k_, v_, cs_, m);
    attention(dev_, shape_, q_, kv_.k(li), kv_.v(li), scratch_, att_, m, pos0, kv_.n_ctx());  // (m, qd)
  }
  MatmulEx o;  // x (m, d) += att . wo^T
  o.gemv_max_m = gemv_max_m_;
  o.x = &att_;
  o.y[0] = &x_;
  o.accumulate = true;
  mm(L.wo, o, L.o_b);
  // gate (m, f), up (m, f) = rmsnorm(x) . [w_gate; w_up]^T; or, where the GEMV ends in SwiGLU,
  // gate_ (m, f) = silu(gate) * up straight away (matmul_glu_runs).
  MatmulEx gu = normed(L.ffn_norm);
  const bool glu = L.w_gu.buf && matmul_glu_runs(dev_, L.w_gu, m, gemv_max_m_);
  if (glu) {
    gu.y[0] = &gate_;
    gu.seg[0] = f, gu.seg[1] = f;
    gu.glu = true;
    mm(L.w_gu, gu, L.gu_b);
  } else if (L.w_gu.buf) {
    gu.y[0] = &gate_, gu.y[1] = &upb_;
    gu.seg[0] = f, gu.seg[1] = f;
    mm(L.w_gu, gu, L.gu_b);
  } else {
    gu.y[0] = &gate_;
    matmul_ex(dev_, L.w_gate, gu, m);
    gu.y[0] = &upb_;
    matmul_ex(dev_, L.w_up, gu, m);
  }
  MatmulEx dn;  // x (m, d) += (silu(gate) * up) . w_down^T
  dn.gemv_max_m = gemv_max_m_;
  dn.x = &gate_;
  if (glu) {
    // gate_ already holds silu(gate) * up
  } else if (fin) {
    dn.in = MatIn::SwiGLU;
    dn.aux = &upb_;
  } else {
    swiglu(dev_, gate_, upb_, gate_, m * f);
  }
  dn.y[0] = &x_;
  dn.accumulate = true;
  mm(L.w_down, dn, L.down_b);
}

void ClForward::head(int m, int rows, float* logits) {
  head_logits(m, rows);
  dev_.read(logits_, logits, size_t(rows) * w_.spec.n_logits() * 4);
}

float* ClForward::host_logits(size_t floats) {
  if (float* p = pinned_logits(floats)) return p;
  logits_host_.resize(floats);
  return logits_host_.data();
}

void ClForward::head_argmax(int m, int rows, int32_t* ids) {
  const int64_t V = w_.spec.n_logits();
  if (!dev_.tuning().device_argmax) {  // the rows read back and scanned on the host
    float* out = host_logits(size_t(rows) * V);
    head(m, rows, out);
    for (int r = 0; r < rows; ++r) ids[r] = argmax(out + int64_t(r) * V, V);
    return;
  }
  head_logits(m, rows);
  argmax_rows(dev_, logits_, ids_, rows, V);
  dev_.read(ids_, ids, size_t(rows) * 4);
}

void ClForward::head_logits(int m, int rows) {
  const ModelSpec& s = w_.spec;
  check(opt_.head, dev_.label(), "this ClForward has no LM head (head = false)");
  check(rows >= 1 && rows <= m && m <= opt_.max_batch, dev_.label(), "head: need 1 <= rows <= m <= max_batch");
  const int64_t d = s.d_model;
  const ClWeight& out = output_.buf ? output_ : embd_;
  if (rows <= fold_max_m_) {  // logits (rows, n_logits) = rmsnorm(x's last rows) . output^T
    MatmulEx h;
    h.gemv_max_m = gemv_max_m_;
    h.x = &x_;
    h.x_row = m - rows;
    h.in = MatIn::RmsNorm;
    h.aux = &output_norm_;
    h.eps = float(s.rms_eps);
    h.y[0] = &logits_;
    if (m == 1 && rows == 1) matmul_ex_bound(dev_, out, h, head_b_);  // a decode step: the same launch every token
    else matmul_ex(dev_, out, h, rows);
  } else {
    rmsnorm(dev_, x_, output_norm_, xn_, m, d, float(s.rms_eps));  // (m, d)
    if (rows < m) dev_.copy(xn_, proj_, size_t(rows) * d * 4, size_t(m - rows) * d * 4, 0);
    matmul(dev_, out, rows < m ? proj_ : xn_, logits_, rows, gemv_max_m_);  // (rows, n_logits)
  }
}

const float* ClForward::forward(const int32_t* tokens, int m, int pos0, int logit_rows) {
  const ModelSpec& s = w_.spec;
  check(opt_.embed && opt_.head && l0_ == 0 && l1_ == s.n_layers, dev_.label(),
        "forward needs the whole model on this device (embedding, all layers, head)");
  check(m > 0, "forward", "no tokens");
  check(logit_rows >= 1 && logit_rows <= m, "forward",
        "logit_rows " + std::to_string(logit_rows) + " must be in [1, " + std::to_string(m) + "]");
  const size_t n_out = size_t(logit_rows) * s.n_logits();
  float* out = host_logits(n_out);
  const int first_row = m - logit_rows;
  for (int c0 = 0; c0 < m; c0 += opt_.max_batch) {
    const int mc = std::min(opt_.max_batch, m - c0);
    embed(tokens + c0, mc);
    run_layers(mc, pos0 + c0);
    const int from = std::max(c0, first_row);  // rows [from, c0 + mc) need logits
    if (from < c0 + mc) head(mc, c0 + mc - from, out + size_t(from - first_row) * s.n_logits());
  }
  return out;
}

}  // namespace hetspec::ocl
