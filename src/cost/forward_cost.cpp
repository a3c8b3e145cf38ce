#include "hetspec/cost/forward_cost.hpp"

#include <algorithm>

namespace hetspec {

namespace {
// The engine's batch limits (ocl::batch_limit): up to max_m tokens and max_mk / d_model (0: no
// bound), at least 1.
int64_t token_limit(int max_m, int max_mk, int64_t d_model) {
  int64_t lim = std::max(1, max_m);
  if (max_mk > 0 && d_model > 0) lim = std::min<int64_t>(lim, max_mk / d_model);
  return std::max<int64_t>(1, lim);
}
}  // namespace

int launches_per_layer(const ProcessingUnit& pu, int64_t m, int64_t d_model) {
  // A batch folded as one token is up to batch_fold_max_m tokens and batch_fold_max_mk / d_model
  // (the engine's ocl::fold_batch_limit); past it the batch count applies.
  const int64_t from = std::max<int64_t>(2, token_limit(pu.batch_fold_max_m, pu.batch_fold_max_mk, d_model) + 1);
  if (m >= from && pu.launches_per_layer_batch > 0) return pu.launches_per_layer_batch;
  return pu.launches_per_layer > 0 ? pu.launches_per_layer : kKernelsPerLayer;
}
int launches_head(const ProcessingUnit& pu) { return pu.launches_head > 0 ? pu.launches_head : kKernelsHead; }

int64_t matmul_tokens(const ProcessingUnit& pu, int64_t m, int64_t d_model) {
  const int64_t tile = pu.gemm_m_tile;
  if (tile <= 1 || m <= 1) return m;
  if (m <= token_limit(pu.gemv_batch_max_m, pu.gemv_batch_max_mk, d_model)) return m;
  return (m + tile - 1) / tile * tile;
}

ForwardBreakdown& ForwardBreakdown::operator+=(const ForwardBreakdown& b) {
  qkv += b.qkv; attention += b.attention; o += b.o; gate_up += b.gate_up; down += b.down;
  elementwise += b.elementwise; head += b.head; launch += b.launch; calibrated += b.calibrated;
  return *this;
}

ForwardBreakdown ForwardBreakdown::scaled(double s) const {
  ForwardBreakdown r = *this;
  r.qkv *= s; r.attention *= s; r.o *= s; r.gate_up *= s; r.down *= s; r.elementwise *= s; r.head *= s; r.launch *= s;
  r.calibrated *= s;
  return r;
}

ForwardBreakdown layers_cost(const ModelSpec& s, const ExecContext& c, DType dtype, int64_t m, double n,
                             int n_layers) {
  ForwardBreakdown f;
  if (n_layers <= 0) return f;
  const int64_t d = s.d_model, qd = s.q_dim(), kvd = s.kv_dim();
  const RooflineRates r = roofline_rates(c);
  const int64_t mm = matmul_tokens(*c.pu, m, d);  // what the matmuls cost as (GEMM tiles)
  const int64_t f2 = 2 * static_cast<int64_t>(s.ffn_dim);
  // One layer; every layer of a model has the same shapes. The engine runs Q, K, V (and gate, up)
  // as separate matmuls: a profile that measured those shapes is read per matrix, otherwise the
  // fused shape is priced.
  if (exact_table(c, d, qd, dtype) && exact_table(c, d, kvd, dtype))
    f.qkv = matmul_us(c, r, mm, d, qd, dtype) + 2 * matmul_us(c, r, mm, d, kvd, dtype);  // (m, d) x (qd | kvd, d)^T
  else
    f.qkv = matmul_us(c, r, mm, d, qd + 2 * kvd, dtype);                 // (m, d) x (qd + 2 kvd, d)^T
  f.attention = attention_layer_us(c, s, m, n);
  f.o = matmul_us(c, r, mm, qd, d, dtype);                              // (m, qd) x (d, qd)^T
  if (exact_table(c, d, s.ffn_dim, dtype))
    f.gate_up = 2 * matmul_us(c, r, mm, d, s.ffn_dim, dtype);           // 2 x (m, d) x (f, d)^T
  else
    f.gate_up = matmul_us(c, r, mm, d, f2, dtype);                      // (m, d) x (2f, d)^T
  f.down = matmul_us(c, r, mm, s.ffn_dim, d, dtype);                    // (m, f) x (d, f)^T
  if (c.pu->elementwise.empty())
    f.elementwise = 4.0 * m * (10.0 * d + 3.0 * s.ffn_dim) / r.elementwise_bytes_per_us;  // = elementwise_us
  else
    f.elementwise = elementwise_layer_us(c, s, m);
  f.launch = launches_per_layer(*c.pu, m, s.d_model) * c.pu->launch_us;
  return f.scaled(n_layers);
}

ForwardBreakdown head_cost(const ModelSpec& s, const ExecContext& c, int64_t rows) {
  ForwardBreakdown f;
  f.head = head_matmul_us(c, s, matmul_tokens(*c.pu, rows, s.d_model));  // (rows, d) x (V, d)^T
  f.elementwise = 4.0 * rows * s.d_model * 2 / (effective_bw_gbps(c) * 1e3);
  f.launch = launches_head(*c.pu) * c.pu->launch_us;
  return f;
}

}  // namespace hetspec
