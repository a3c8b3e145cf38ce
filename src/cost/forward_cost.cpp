#include "hetspec/cost/forward_cost.hpp"

namespace hetspec {

ForwardBreakdown& ForwardBreakdown::operator+=(const ForwardBreakdown& b) {
  qkv += b.qkv; attention += b.attention; o += b.o; gate_up += b.gate_up; down += b.down;
  elementwise += b.elementwise; head += b.head; launch += b.launch;
  return *this;
}

ForwardBreakdown ForwardBreakdown::scaled(double s) const {
  ForwardBreakdown r = *this;
  r.qkv *= s; r.attention *= s; r.o *= s; r.gate_up *= s; r.down *= s; r.elementwise *= s; r.head *= s; r.launch *= s;
  return r;
}

ForwardBreakdown layers_cost(const ModelSpec& s, const ExecContext& c, DType dtype, int64_t m, double n,
                             int n_layers) {
  ForwardBreakdown f;
  if (n_layers <= 0) return f;
  const int64_t d = s.d_model, qd = s.q_dim(), kvd = s.kv_dim();
  const RooflineRates r = roofline_rates(c);
  // One layer; every layer of a model has the same shapes.
  f.qkv = matmul_us(c, r, m, d, qd + 2 * kvd, dtype);                 // (m, d) x (qd + 2 kvd, d)^T
  f.attention = attention_us(c, m, n + 0.5 * (m + 1), qd, kvd);       // average causal context
  f.o = matmul_us(c, r, m, qd, d, dtype);                              // (m, qd) x (d, qd)^T
  f.gate_up = matmul_us(c, r, m, d, 2 * static_cast<int64_t>(s.ffn_dim), dtype);  // (m, d) x (2f, d)^T
  f.down = matmul_us(c, r, m, s.ffn_dim, d, dtype);                    // (m, f) x (d, f)^T
  f.elementwise = 4.0 * m * (10.0 * d + 3.0 * s.ffn_dim) / r.elementwise_bytes_per_us;  // = elementwise_us
  f.launch = kKernelsPerLayer * c.pu->launch_us;
  return f.scaled(n_layers);
}

ForwardBreakdown head_cost(const ModelSpec& s, const ExecContext& c, int64_t rows) {
  ForwardBreakdown f;
  f.head = matmul_us(c, rows, s.d_model, s.vocab, s.embed_dtype);   // (rows, d) x (V, d)^T
  f.elementwise = 4.0 * rows * s.d_model * 2 / (effective_bw_gbps(c) * 1e3);
  f.launch = kKernelsHead * c.pu->launch_us;
  return f;
}

}  // namespace hetspec
