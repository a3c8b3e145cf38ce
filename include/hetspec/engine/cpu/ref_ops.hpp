// Scalar element-wise ops of the forward pass (RMSNorm, softmax, SwiGLU, f16 attention dots).
// Straightforward C++, written to follow ggml's CPU reductions (sums in double); the forward uses
// them until vectorized versions exist, and the tests keep them as the reference.
#pragma once
#include <cstdint>

namespace hetspec::refops {

// y = x / sqrt(mean(x^2) + eps) * w     x, y, w: (d); y may alias x.
void rmsnorm(const float* x, const float* w, float* y, int64_t d, float eps);
// In place, numerically stable (max subtracted).
void softmax(float* x, int64_t n);
// out = silu(gate) * up, silu(g) = g / (1 + exp(-g))     all (n); out may alias gate.
void swiglu(const float* gate, const float* up, float* out, int64_t n);
// f16 -> f32 through a 64K-entry table (built once, immutable).
float f16_to_f32(uint16_t h);
// sum_i q[i] * k[i]     q: (n) f32, k: (n) f16
float dot_f32_f16(const float* q, const uint16_t* k, int64_t n);
// y += a * v     y: (n) f32, v: (n) f16
void axpy_f16(float a, const uint16_t* v, float* y, int64_t n);

}  // namespace hetspec::refops
