// The transformer ops on an OpenCL device, each one kernel launch on the device's in-order queue
// (no host sync inside; call Device::finish or read a buffer to wait). Weights are uploaded once in
// their ggml block layout; activations are f32 row-major with the shapes in the comments.
// Programs are specialised per shape: matmul per (weight dtype, K), layer ops per LayerShape.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "hetspec/core/dtype.hpp"
#include "hetspec/engine/opencl/runtime.hpp"
#include "hetspec/engine/weight_view.hpp"

namespace hetspec::ocl {

// A weight matrix resident on the device, (rows, cols) in dtype blocks.
struct ClWeight {
  Buffer buf;
  DType dtype = DType::F32;
  int64_t rows = 0;
  int64_t cols = 0;
  size_t bytes() const { return buf.bytes(); }
};

// The attention-side shape the layer programs (RoPE, KV cache, attention) are specialised on.
struct LayerShape {
  int head_dim = 64;
  int n_heads = 1;
  int n_kv_heads = 1;
  bool kv_f16 = true;
  bool rope_neox = false;  // false: Llama (adjacent pairs); true: NeoX / Qwen2 (halves)
};

bool cl_supports_dtype(DType t);  // F32, F16, Q8_0, Q4_0, Q4_1
int wtype_id(DType t);            // the T_* id in kernels/common.cl
// Uploads once; cols must be a multiple of 32. Throws Error naming `name` otherwise.
ClWeight upload_weight(Device& dev, const WeightView& w, const std::string& name = "weight");
// A plain f32 vector/matrix on the device.
Buffer upload_f32(Device& dev, const float* data, size_t n);
std::vector<float> download_f32(Device& dev, const Buffer& b, size_t n);

// Uploads the row-wise concatenation of ws (same dtype and cols), e.g. Q, K and V as one (qd + 2 kvd,
// d) weight, so one launch computes all three.
ClWeight upload_weight_rows(Device& dev, const std::vector<WeightView>& ws, const std::string& name = "weight");

// Y(m, rows) = X(m, cols) . W^T. m == 1 runs the GEMV kernel, m > 1 the token-tiled GEMM, or m
// GEMVs in one launch up to gemv_max_m tokens (0: the tuning's gemv_max_m).
void matmul(Device& dev, const ClWeight& w, const Buffer& x, Buffer& y, int64_t m, int gemv_max_m = 0);

// The same matmul with what surrounds it in a layer folded in, so a layer needs few launches:
// the input is transformed as it is read, the output rows may go to up to three buffers, and the
// result may be added into Y (residual). Numerically the unfused ops up to rounding order.
enum class MatIn {
  Plain,    // X
  RmsNorm,  // rmsnorm(X row) * aux(cols): the next matmul's norm without its own launch
  SwiGLU,   // silu(X) * aux, X the gate (m, cols), aux the up projection (m, cols)
};
struct MatmulEx {
  const Buffer* x = nullptr;    // X (x_row + m, cols) f32; rows from x_row on are used
  int64_t x_row = 0;
  MatIn in = MatIn::Plain;
  const Buffer* aux = nullptr;  // the norm weight (RmsNorm) or up (SwiGLU, laid out as X)
  float eps = 0;
  // Output segments: rows [0, seg[0]) of W to y[0] (m, seg[0]), the next seg[1] to y[1], ...;
  // unused segments have seg 0 (seg[0] == 0 means all rows to y[0]).
  Buffer* y[3] = {nullptr, nullptr, nullptr};
  int64_t seg[3] = {0, 0, 0};
  bool accumulate = false;      // Y += result
  // SwiGLU as the epilogue (GEMVs only, matmul_glu_runs): W is [gate; up] with seg = {f, f} and
  // y[0] (m, f) = silu(x . gate^T) * (x . up^T); no y[1], no accumulate.
  bool glu = false;
  int gemv_max_m = 0;           // batches up to this many tokens run as GEMVs (0: the tuning's gemv_max_m;
                                // a model forward passes gemv_batch_limit(tuning, d_model, weights))
};
void matmul_ex(Device& dev, const ClWeight& w, const MatmulEx& a, int64_t m);
// Whether matmul_ex of m tokens with w can take the SwiGLU epilogue (MatmulEx::glu) on this device:
// the tuning's glu_epilogue, a GEMV of m tokens (m <= gemv_max_m, 0: the tuning's) through matmul.cl's
// float kernel (not gemv_q8) with an even number of rows per row group.
bool matmul_glu_runs(const Device& dev, const ClWeight& w, int64_t m, int gemv_max_m = 0);

// A launch whose arguments are set once: its own kernel object (objects carry their arguments), so
// repeating it (the same layer's GEMV every decoded token) sets none, or only the ones that change.
// On NVIDIA's OpenCL a launch of a small model's forward is host-bound, ~11 clSetKernelArg each.
class BoundLaunch {
 public:
  BoundLaunch() = default;
  ~BoundLaunch();
  BoundLaunch(BoundLaunch&& o) noexcept;
  BoundLaunch& operator=(BoundLaunch&& o) noexcept;
  BoundLaunch(const BoundLaunch&) = delete;
  BoundLaunch& operator=(const BoundLaunch&) = delete;
  bool bound() const { return k_ != nullptr; }

 private:
  friend void matmul_ex_bound(Device&, const ClWeight&, const MatmulEx&, BoundLaunch&);
  friend void rope_kv_bound(Device&, const LayerShape&, Buffer&, const Buffer&, const Buffer&, const Buffer&,
                            Buffer&, Buffer&, int64_t, int64_t, BoundLaunch&);
  friend void attention_bound(Device&, const LayerShape&, const Buffer&, const Buffer&, const Buffer&, Buffer&,
                              Buffer&, int64_t, int64_t, BoundLaunch&);
  friend void attn_decode_bound(Device&, const LayerShape&, const Buffer&, const Buffer&, const Buffer&, const Buffer&,
                                Buffer&, Buffer&, Buffer&, int64_t, int64_t, BoundLaunch&);
  void launch(Device& dev) const;
  cl_kernel k_ = nullptr;
  std::string name_;  // the launch's label (profiling events): the kernel, and a matmul's shape and epilogue
  int dims_ = 1;
  size_t global_[3] = {1, 1, 1}, local_[3] = {1, 1, 1};
  bool has_local_ = true;
};

// matmul_ex for one token through `site`: bound on first use, so every later call must pass the
// same weight, buffers and options (a ClForward's layer does); then only the launch is enqueued.
void matmul_ex_bound(Device& dev, const ClWeight& w, const MatmulEx& a, BoundLaunch& site);
// y(rows) = W . X[row x_row] (one token out of an (m, cols) activation: the LM head on the last token).
void gemv_row(Device& dev, const ClWeight& w, const Buffer& x, int64_t x_row, Buffer& y);
// out(m, cols) = dequant(table rows tokens[0..m)); tokens(m) int32 already on the device.
void embed(Device& dev, const ClWeight& table, const Buffer& tokens, Buffer& out, int64_t m);

// y(m, n) = rmsnorm(x(m, n)) * w(n).
void rmsnorm(Device& dev, const Buffer& x, const Buffer& w, Buffer& y, int64_t m, int64_t n, float eps);
// ids(m) int32 = the first index of each row's maximum of x(m, n), as the host's argmax (argmax.cl).
void argmax_rows(Device& dev, const Buffer& x, Buffer& ids, int64_t m, int64_t n);
// x(rows, n) in place.
void softmax(Device& dev, Buffer& x, int64_t rows, int64_t n);
// out(n) = silu(gate(n)) * up(n).
void swiglu(Device& dev, const Buffer& gate, const Buffer& up, Buffer& out, int64_t n);
// x(n) += y(n).
void add(Device& dev, Buffer& x, const Buffer& y, int64_t n);
// x(rows, n) += b(n) on every row (QKV bias).
void add_rows(Device& dev, Buffer& x, const Buffer& b, int64_t rows, int64_t n);


// inv_freq(head_dim/2) = theta^(-2i/head_dim) / freq_factors[i] (freq_factors may be null):
// the host computes it once so Llama-3 rope scaling is only a different table.
std::vector<float> rope_inv_freq(int head_dim, double theta, const float* freq_factors = nullptr);
// x(m, nh, head_dim) in place; token t at position pos0 + t; inv_freq on the device.
void rope(Device& dev, const LayerShape& s, Buffer& x, int64_t m, int nh, int64_t pos0, const Buffer& inv_freq);
// Same rotation with cos/sin from a table cs(m, head_dim/2, 2) already on the device.
void rope_table(Device& dev, const LayerShape& s, Buffer& x, int64_t m, int nh, const Buffer& cs);
// rope_table on q(m, n_heads, head_dim) in place and on k(m, n_kv_heads, head_dim), the rotated k
// and v written to the caches' rows [n_past, n_past + m): one launch for rope + kv_append.
void rope_kv(Device& dev, const LayerShape& s, Buffer& q, const Buffer& k, const Buffer& v, const Buffer& cs,
             Buffer& k_cache, Buffer& v_cache, int64_t n_past, int64_t m, int64_t n_ctx);
// rope_kv and attention for one token through a bound site (the same buffers every call; n_past is
// the one argument set per call).
void rope_kv_bound(Device& dev, const LayerShape& s, Buffer& q, const Buffer& k, const Buffer& v, const Buffer& cs,
                   Buffer& k_cache, Buffer& v_cache, int64_t n_past, int64_t n_ctx, BoundLaunch& site);
// cache(n_ctx, n_kv_heads, head_dim) rows [n_past, n_past + m) = src(m, n_kv_heads, head_dim).
void kv_append(Device& dev, const LayerShape& s, const Buffer& src, Buffer& cache, int64_t n_past, int64_t m,
               int64_t n_ctx);
// out(m, n_heads, head_dim): causal GQA over cache rows 0..n_past+t for token t.
// scratch: at least m * n_heads * n_ctx floats (attention_scratch_floats).
void attention(Device& dev, const LayerShape& s, const Buffer& q, const Buffer& k_cache, const Buffer& v_cache,
               Buffer& scratch, Buffer& out, int64_t m, int64_t n_past, int64_t n_ctx);
void attention_bound(Device& dev, const LayerShape& s, const Buffer& q, const Buffer& k_cache, const Buffer& v_cache,
                     Buffer& scratch, Buffer& out, int64_t n_past, int64_t n_ctx, BoundLaunch& site);
// One token (decode): rope_kv and attention in one launch (attn_decode.cl). q(1, n_heads, head_dim),
// k / v(1, n_kv_heads, head_dim) as the QKV matmul wrote them (q is not rotated in place), cs(head_dim/2, 2)
// the position's rotation; the rotated k and v go to the caches' row n_past; out(1, n_heads, head_dim)
// attends over rows 0..n_past. No scratch: the probabilities stay in local memory.
void attn_decode(Device& dev, const LayerShape& s, const Buffer& q, const Buffer& k, const Buffer& v, const Buffer& cs,
                 Buffer& k_cache, Buffer& v_cache, Buffer& out, int64_t n_past, int64_t n_ctx);
void attn_decode_bound(Device& dev, const LayerShape& s, const Buffer& q, const Buffer& k, const Buffer& v,
                       const Buffer& cs, Buffer& k_cache, Buffer& v_cache, Buffer& out, int64_t n_past, int64_t n_ctx,
                       BoundLaunch& site);
// attention's answer through attn_decode.cl's kernel (attn_rows: no scratch, online softmax, a
// work-group of attn_decode_wg per (head, token)), q already rotated and the rows appended (rope_kv).
void attention_rows(Device& dev, const LayerShape& s, const Buffer& q, const Buffer& k_cache, const Buffer& v_cache,
                    Buffer& out, int64_t m, int64_t n_past, int64_t n_ctx);
inline size_t attention_scratch_floats(const LayerShape& s, int64_t m, int64_t n_ctx) {
  return static_cast<size_t>(m) * s.n_heads * n_ctx;
}

// Build (compile) the programs an op will use now rather than at its first launch, so the first
// forward's time is not a compile: matmul programs of w's (dtype, cols), the layer programs of s.
void prepare_matmul(Device& dev, const ClWeight& w, MatIn in = MatIn::Plain, bool accumulate = false, bool glu = false);
void prepare_layer_ops(Device& dev, const LayerShape& s);
void prepare_argmax(Device& dev);

}  // namespace hetspec::ocl
