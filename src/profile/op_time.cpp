#include "hetspec/profile/op_time.hpp"

#include <algorithm>
#include <cmath>

namespace hetspec {

const char* time_source_name(TimeSource s) {
  static const char* n[] = {"table", "scaled-table", "roofline"};
  return n[static_cast<int>(s)];
}

ComputeClass compute_class(PuKind kind, DType t) {
  switch (t) {
    case DType::F32: return ComputeClass::F32;
    case DType::F16: case DType::BF16: return ComputeClass::F16;
    default: return kind == PuKind::CPU ? ComputeClass::INT8 : ComputeClass::F16;
  }
}

namespace {
double thread_fraction(const ExecContext& c) {
  if (c.pu->kind != PuKind::CPU) return 1.0;
  return std::min(1.0, static_cast<double>(c.threads) / c.pu->cores);
}
}  // namespace

double curve_gbps(const ProcessingUnit& pu, double bytes) {
  const auto& cv = pu.bandwidth_curve;
  if (cv.empty()) return 0;
  if (bytes <= cv.front().bytes) return cv.front().gbps;
  if (bytes >= cv.back().bytes) return cv.back().gbps;
  size_t hi = 1;
  while (cv[hi].bytes < bytes) ++hi;
  double x0 = std::log(cv[hi - 1].bytes), x1 = std::log(cv[hi].bytes), x = std::log(bytes);
  return cv[hi - 1].gbps + (cv[hi].gbps - cv[hi - 1].gbps) * (x - x0) / (x1 - x0);
}

double regime_scale(const ExecContext& c, double set_bytes) {
  if (set_bytes <= 0 || c.stream_bytes <= 0 || c.pu->bandwidth_curve.empty()) return 1.0;
  return curve_gbps(*c.pu, set_bytes) / curve_gbps(*c.pu, c.stream_bytes);
}

double effective_bw_gbps(const ExecContext& c) {
  const Roofline& r = c.pu->roofline;
  double bw = r.dram_bw_gbps;
  if (!c.pu->bandwidth_curve.empty() && c.stream_bytes > 0) bw = curve_gbps(*c.pu, c.stream_bytes);
  else if (c.weights_cached && r.cache_bytes > 0) bw = r.cache_bw_gbps;
  if (c.pu->kind == PuKind::CPU) {
    // One thread cannot saturate DRAM: bandwidth grows with threads until the bus saturates.
    double per_thread = r.bw_per_thread_gbps > 0 ? r.bw_per_thread_gbps * (bw / r.dram_bw_gbps) : bw;
    bw = std::min(bw, per_thread * c.threads);
  }
  return bw * c.bw_share;
}

double effective_gflops(const ExecContext& c, ComputeClass cls) {
  return c.pu->roofline.peak_gflops[static_cast<int>(cls)] * thread_fraction(c);
}

RooflineRates roofline_rates(const ExecContext& c) {
  RooflineRates r;
  const Roofline& rf = c.pu->roofline;
  r.weight_bytes_per_us = effective_bw_gbps(c) * rf.gemv_bw_efficiency * 1e3;
  for (int i = 0; i < kComputeClasses; ++i)
    r.flops_per_us[i] = effective_gflops(c, static_cast<ComputeClass>(i)) * rf.gemm_efficiency * 1e3;
  double ew = c.pu->elementwise_gbps > 0 ? c.pu->elementwise_gbps * c.bw_share : effective_bw_gbps(c);
  r.elementwise_bytes_per_us = ew * 1e3;
  return r;
}

namespace {
inline double roofline_with(const ExecContext& c, const RooflineRates& r, int64_t m, int64_t k, int64_t n, DType dtype) {
  double bytes = static_cast<double>(n) * k * bytes_per_weight(dtype) + 4.0 * m * (k + n);
  double flops = 2.0 * m * n * k;
  int cls = static_cast<int>(compute_class(c.pu->kind, dtype));
  return std::max(bytes / r.weight_bytes_per_us, flops / r.flops_per_us[cls]);
}
}  // namespace

double matmul_roofline_us(const ExecContext& c, int64_t m, int64_t k, int64_t n, DType dtype) {
  return roofline_with(c, roofline_rates(c), m, k, n, dtype);
}

double matmul_us(const ExecContext& c, const RooflineRates& r, int64_t m, int64_t k, int64_t n, DType dtype) {
  if (!c.pu->tables.empty()) return matmul_us(c, m, k, n, dtype, nullptr);
  return roofline_with(c, r, m, k, n, dtype);
}

double interpolate_table(const KernelTable& t, double m) {
  const auto& xs = t.m;
  const auto& ys = t.us;
  if (xs.size() == 1) return ys[0] * std::max(1.0, m / xs[0]);
  if (m <= xs.front()) return ys.front();  // fewer tokens than measured: no cheaper than the first point
  size_t hi = 1;
  while (hi + 1 < xs.size() && xs[hi] < m) ++hi;
  double x0 = xs[hi - 1], x1 = xs[hi], y0 = ys[hi - 1], y1 = ys[hi];
  double y = y0 + (y1 - y0) * (m - x0) / (x1 - x0);
  if (m > xs.back()) y = std::max(y, ys.back());  // extrapolation never gets cheaper
  return y;
}

const KernelTable* exact_table(const ExecContext& c, int64_t k, int64_t n, DType dtype) {
  int threads = c.pu->kind == PuKind::CPU ? c.threads : 1;
  for (const auto& t : c.pu->tables)
    if (t.dtype == dtype && t.threads == threads && t.k == k && t.n == n) return &t;
  return nullptr;
}

double matmul_us(const ExecContext& c, int64_t m, int64_t k, int64_t n, DType dtype, TimeSource* src) {
  const KernelTable* exact = nullptr;
  const KernelTable* nearest = nullptr;
  double best = 1e300;
  int threads = c.pu->kind == PuKind::CPU ? c.threads : 1;
  for (const auto& t : c.pu->tables) {
    if (t.dtype != dtype || t.threads != threads) continue;
    if (t.k == k && t.n == n) { exact = &t; break; }
    double d = std::fabs(std::log(static_cast<double>(t.k) * t.n / (static_cast<double>(k) * n)));
    if (d < best) { best = d; nearest = &t; }
  }
  // Measured tables were taken alone on the PU: contention slows the memory-bound part.
  double contention = 1.0 / c.bw_share;
  if (exact) {
    if (src) *src = TimeSource::Table;
    return interpolate_table(*exact, static_cast<double>(m)) * contention * regime_scale(c, exact->set_bytes);
  }
  if (nearest) {
    if (src) *src = TimeSource::ScaledTable;
    double scale = static_cast<double>(k) * n / (static_cast<double>(nearest->k) * nearest->n);
    return interpolate_table(*nearest, static_cast<double>(m)) * scale * contention * regime_scale(c, nearest->set_bytes);
  }
  if (src) *src = TimeSource::Roofline;
  return matmul_roofline_us(c, m, k, n, dtype);
}

double attention_us(const ExecContext& c, int64_t m, double ctx, int64_t q_dim, int64_t kv_dim) {
  double kv_bytes = ctx * kv_dim * 2.0 * 2.0;       // K and V, f16
  double act_bytes = 4.0 * m * q_dim * 2.0;          // q in, output out
  double mem_us = (kv_bytes + act_bytes) / (effective_bw_gbps(c) * c.pu->roofline.gemv_bw_efficiency * 1e3);
  double flops = 4.0 * m * ctx * q_dim;              // q·k and p·v
  ComputeClass cls = c.pu->kind == PuKind::CPU ? ComputeClass::F32 : ComputeClass::F16;
  double cmp_us = flops / (effective_gflops(c, cls) * c.pu->roofline.gemm_efficiency * 1e3);
  return std::max(mem_us, cmp_us);
}

double elementwise_us(const ExecContext& c, int64_t m, int64_t d_model, int64_t ffn_dim) {
  // Two RMSNorms, RoPE on q/k, two residual adds (~10 passes over d) and SwiGLU (3 passes over ffn).
  double bytes = 4.0 * m * (10.0 * d_model + 3.0 * ffn_dim);
  double bw = c.pu->elementwise_gbps > 0 ? c.pu->elementwise_gbps * c.bw_share : effective_bw_gbps(c);
  return bytes / (bw * 1e3);
}

namespace {
int pu_threads(const ExecContext& c) { return c.pu->kind == PuKind::CPU ? c.threads : 1; }

// Linear in x through (xs, ys); flat below the first point, extended with the last slope above.
double interp(const std::vector<int>& xs, const std::vector<double>& ys, double x) {
  if (xs.size() == 1 || x <= xs.front()) return ys.front() * (xs.size() == 1 && x > xs[0] ? x / xs[0] : 1.0);
  size_t hi = 1;
  while (hi + 1 < xs.size() && xs[hi] < x) ++hi;
  return ys[hi - 1] + (ys[hi] - ys[hi - 1]) * (x - xs[hi - 1]) / (xs[hi] - xs[hi - 1]);
}
}  // namespace

double attention_layer_us(const ExecContext& c, const ModelSpec& s, int64_t m, double n, TimeSource* src) {
  for (const auto& t : c.pu->attention) {
    if (t.n_heads != s.n_heads || t.n_kv_heads != s.n_kv_heads || t.head_dim != s.head_dim || t.threads != pu_threads(c))
      continue;
    // Interpolate along n in each measured m row, then along m.
    std::vector<double> at_n;
    for (const auto& row : t.us) {
      double y = interp(t.n, row, n);
      if (t.n.size() > 1 && n < t.n.front()) {  // below the grid: along the first segment's slope, never below 0
        double slope = (row[1] - row[0]) / (t.n[1] - t.n[0]);
        y = std::max(0.5 * row[0], row[0] + slope * (n - t.n.front()));
      }
      at_n.push_back(y);
    }
    if (src) *src = TimeSource::Table;
    return std::max(0.0, interp(t.m, at_n, static_cast<double>(m))) / c.bw_share;
  }
  if (src) *src = TimeSource::Roofline;
  return attention_us(c, m, n + 0.5 * (m + 1), s.q_dim(), s.kv_dim());
}

double elementwise_layer_us(const ExecContext& c, const ModelSpec& s, int64_t m, TimeSource* src) {
  for (const auto& t : c.pu->elementwise) {
    if (t.d_model != s.d_model || t.ffn_dim != s.ffn_dim || t.threads != pu_threads(c)) continue;
    if (src) *src = TimeSource::Table;
    return interp(t.m, t.us, static_cast<double>(m)) / c.bw_share;
  }
  if (src) *src = TimeSource::Roofline;
  return elementwise_us(c, m, s.d_model, s.ffn_dim);
}

double head_matmul_us(const ExecContext& c, const ModelSpec& s, int64_t rows, TimeSource* src) {
  const int64_t n = s.n_logits();  // a draft's head over a vocabulary subset has fewer rows
  // A table of this head's shape; else the full-vocabulary head's, scaled by the rows streamed.
  for (int64_t table_n : {n, int64_t(s.vocab)}) {
    for (const auto& t : c.pu->head) {
      if (t.k != s.d_model || t.n != table_n || t.dtype != s.embed_dtype || t.threads != pu_threads(c)) continue;
      if (src) *src = table_n == n ? TimeSource::Table : TimeSource::ScaledTable;
      const double rows_scale = double(n) / double(table_n);
      return interpolate_table(t, static_cast<double>(rows)) * rows_scale / c.bw_share * regime_scale(c, t.set_bytes);
    }
    if (n == s.vocab) break;
  }
  return matmul_us(c, rows, s.d_model, n, s.embed_dtype, src);  // (rows, d) x (n_logits, d)^T
}

}  // namespace hetspec
