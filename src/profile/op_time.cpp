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

double effective_bw_gbps(const ExecContext& c) {
  const Roofline& r = c.pu->roofline;
  double bw = r.dram_bw_gbps;
  if (c.weights_cached && r.cache_bytes > 0) bw = r.cache_bw_gbps;
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
    return interpolate_table(*exact, static_cast<double>(m)) * contention;
  }
  if (nearest) {
    if (src) *src = TimeSource::ScaledTable;
    double scale = static_cast<double>(k) * n / (static_cast<double>(nearest->k) * nearest->n);
    return interpolate_table(*nearest, static_cast<double>(m)) * scale * contention;
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

}  // namespace hetspec
