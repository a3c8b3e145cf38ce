// Cost of one forward pass of m new tokens at context n over a contiguous range of layers on one
// PU (DESIGN.md: T_p(M, m, n)), split into the terms a report shows. Pure functions.
#pragma once
#include <cstdint>

#include "hetspec/model/model_spec.hpp"
#include "hetspec/profile/op_time.hpp"

namespace hetspec {

// Kernels dispatched per layer by a straightforward engine (norm, q, k, v, rope q/k, scores,
// softmax, weighted sum, o, add, norm, gate, up, silu·mul, down, add) and for the head (norm, matmul).
constexpr int kKernelsPerLayer = 16;
constexpr int kKernelsHead = 2;
// The PU's measured launch counts (hetspec profile counts them from the engine), else the above;
// a layer of m > 1 tokens may launch another count (launches_per_layer_batch).
int launches_per_layer(const ProcessingUnit& pu, int64_t m = 1, int64_t d_model = 0);
int launches_head(const ProcessingUnit& pu);
// The token count a matmul of m tokens costs as on this PU: m up to the GEMV batch limit (the
// profile's gemv_batch_max_m and gemv_batch_max_mk / d_model), else m rounded up to whole GEMM tiles
// of gemm_m_tile tokens (each tile streams the weights again: m = 5 costs as 8 with tiles of 4).
// The profile's tables, measured at m in {1, 2, 4, 8, 16}, are read there. m on PUs without a tile.
int64_t matmul_tokens(const ProcessingUnit& pu, int64_t m, int64_t d_model);

struct ForwardBreakdown {  // µs
  double qkv = 0, attention = 0, o = 0, gate_up = 0, down = 0, elementwise = 0, head = 0, launch = 0;
  double calibrated = 0;   // the profile's calibration terms for this forward (per forward, per token; signed)
  double total() const { return qkv + attention + o + gate_up + down + elementwise + head + launch + calibrated; }
  ForwardBreakdown& operator+=(const ForwardBreakdown& b);
  ForwardBreakdown scaled(double s) const;
};

// n_layers layers of `spec` with weights in `dtype`, m tokens attending to context n (tokens
// already in the KV cache before these m).
ForwardBreakdown layers_cost(const ModelSpec& spec, const ExecContext& c, DType dtype, int64_t m, double n,
                             int n_layers);
// Final norm + LM head for `rows` rows of logits (1 when drafting, gamma+1 when verifying).
ForwardBreakdown head_cost(const ModelSpec& spec, const ExecContext& c, int64_t rows);

}  // namespace hetspec
