// Time of one operator on one PU, looked up with a fallback chain (CLBlast's device database idea):
//   1. measured table of this exact shape/dtype/threads, interpolated in token count m;
//   2. measured table of the same dtype/threads but another shape, scaled by weight size;
//   3. roofline: max(bytes / bandwidth, flops / peak) with the profile's efficiencies.
// Pure functions; the bandwidth share models DRAM contention when another PU streams at once.
// Measured profiles add attention (grid over m and context n) and elementwise tables per model
// shape, and a bandwidth curve: a PU's weight set (stream_bytes) then picks its regime from the
// curve (cached vs DRAM) instead of the single cache_bytes threshold, and a table measured while
// cycling set_bytes of weights is rescaled by curve(set_bytes) / curve(stream_bytes).
#pragma once
#include <cstdint>

#include "hetspec/model/model_spec.hpp"
#include "hetspec/profile/profile.hpp"

namespace hetspec {

enum class TimeSource { Table = 0, ScaledTable = 1, Roofline = 2 };
const char* time_source_name(TimeSource s);

struct ExecContext {          // how a subgraph runs on its PU
  const ProcessingUnit* pu = nullptr;
  int threads = 1;            // CPU threads (ignored for GPUs)
  double bw_share = 1.0;      // fraction of the PU's bandwidth left under contention (0, 1]
  bool weights_cached = false;  // the PU's whole streamed weight set fits its last-level cache
  double stream_bytes = 0;    // weight bytes the PU streams per forward (0: unknown; regime from weights_cached)
};

// Read bandwidth (GB/s) at a working set, log-interpolated through the PU's measured curve
// (flat past its ends); 0 when the PU has no curve.
double curve_gbps(const ProcessingUnit& pu, double bytes);
// Factor a time measured while cycling set_bytes of weights takes in this context's regime.
double regime_scale(const ExecContext& c, double set_bytes);
// The measured table for exactly this shape / dtype / thread count, or nullptr.
const KernelTable* exact_table(const ExecContext& c, int64_t k, int64_t n, DType dtype);

ComputeClass compute_class(PuKind kind, DType weight_dtype);
// Streaming bandwidth (GB/s) this context reaches for weights.
double effective_bw_gbps(const ExecContext& c);
// Peak compute (GFLOP/s) this context reaches for a compute class, before GEMM efficiency.
double effective_gflops(const ExecContext& c, ComputeClass cls);

// The roofline rates of a context, computed once per forward instead of once per operator.
struct RooflineRates {
  double weight_bytes_per_us = 0;  // effective bandwidth × GEMV efficiency
  double flops_per_us[kComputeClasses] = {};  // effective peak × GEMM efficiency
  double elementwise_bytes_per_us = 0;
};
RooflineRates roofline_rates(const ExecContext& c);
// Same as matmul_us (tables first), with precomputed rates for the roofline fallback.
double matmul_us(const ExecContext& c, const RooflineRates& r, int64_t m, int64_t k, int64_t n, DType dtype);

// Y(m,n) = X(m,k) · W(n,k)^T with W in dtype. Time in µs, without the launch overhead.
double matmul_us(const ExecContext& c, int64_t m, int64_t k, int64_t n, DType dtype, TimeSource* src = nullptr);
// Roofline alone (the last fallback), exposed for tests and for reports.
double matmul_roofline_us(const ExecContext& c, int64_t m, int64_t k, int64_t n, DType dtype);
// Causal attention of m new tokens over a context of ctx tokens (f16 KV cache), one layer.
double attention_us(const ExecContext& c, int64_t m, double ctx, int64_t q_dim, int64_t kv_dim);
// Norms, RoPE, residual adds and the SwiGLU product of one layer for m tokens.
double elementwise_us(const ExecContext& c, int64_t m, int64_t d_model, int64_t ffn_dim);
// One layer's attention of m new tokens after n cached ones: the PU's measured table for this head
// shape and thread count (bilinear in m and n) when present, else attention_us at the average
// causal context n + (m + 1) / 2.
double attention_layer_us(const ExecContext& c, const ModelSpec& s, int64_t m, double n, TimeSource* src = nullptr);
// One layer's elementwise work: the measured table for (d_model, ffn, threads), else elementwise_us.
double elementwise_layer_us(const ExecContext& c, const ModelSpec& s, int64_t m, TimeSource* src = nullptr);
// The LM head (rows, d) x (n_logits, d)^T: a measured head table (a full-vocabulary one scaled by
// n_logits / vocab for a draft's subset head), else matmul_us.
double head_matmul_us(const ExecContext& c, const ModelSpec& s, int64_t rows, TimeSource* src = nullptr);
// Linear interpolation in m through a table's points; linear extrapolation past the ends
// (clamped so time never falls below the first point's).
double interpolate_table(const KernelTable& t, double m);

}  // namespace hetspec
