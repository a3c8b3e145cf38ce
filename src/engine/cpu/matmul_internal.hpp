// Internal contract between the matmul dispatcher (matmul.cpp) and the per-ISA kernel files
// (matmul_scalar.cpp, matmul_avx2.cpp, matmul_avx512.cpp, matmul_neon.cpp, matmul_neonv8.cpp).
// Quantized weights are multiplied against activations quantized once per call to 8 bits per
// block of 32 (llama.cpp's Q8_1 idea): per block a scale d and s = d * Σ q, so every weight type
// reduces to an integer dot per block:  w·x ≈ d_w·d_x·Σ(q_w q_x) + c_w·s_x
// with c_w = m (Q4_1), -8·d_w (Q4_0, nibbles taken unsigned), -128·d_w (Q8_0 biased to unsigned).
#pragma once
#include <cstdint>

#include "hetspec/engine/weight_view.hpp"

namespace hetspec::detail {

// m activation rows quantized per block of 32: row i has qs[i*k .. i*k+k) and ds[i*nb*2 ..] holding
// (d, s) float pairs per block.
struct QuantX {
  const int8_t* qs = nullptr;  // (m, k)
  const float* ds = nullptr;   // (m, nb, 2)
  const float* dx8 = nullptr;  // (m, nb, 8): d repeated 8 times; filled only for the AVX-512 path
  int64_t k = 0, nb = 0;
};

// Computes y[i*n + r] for every x row i < m and weight row r in [r0, r1). x is (m, k) f32 (used by
// the float dtypes), xq its quantization (used by the quantized dtypes).
using RowsFn = void (*)(const WeightView& w, const float* x, const QuantX& xq, float* y, int64_t m,
                        int64_t r0, int64_t r1);

// Per path: the kernel for dtype t, or nullptr where the path has none (the caller falls back to
// the scalar path's). Each is defined in its own ISA file; on other architectures it returns nullptr.
RowsFn rows_fn_scalar(DType t);
RowsFn rows_fn_avx2(DType t);
RowsFn rows_fn_avx512(DType t);
RowsFn rows_fn_neon(DType t);     // armv8.2 dotprod
RowsFn rows_fn_neonv8(DType t);   // baseline armv8 NEON

// Scalar quantization of one activation row (k a multiple of 32) into qs (k) and ds (nb*2).
void quantize_x_row_scalar(const float* x, int8_t* qs, float* ds, int64_t k);
// Vectorized versions (round to nearest even; the scalar one rounds half away from zero). Each exists
// on its own architecture only; the dispatcher selects by path (AVX-512 uses the AVX2 one).
void quantize_x_row_avx2(const float* x, int8_t* qs, float* ds, int64_t k);
void quantize_x_row_neon(const float* x, int8_t* qs, float* ds, int64_t k);

}  // namespace hetspec::detail
