// Internal contract between the matmul dispatcher (matmul.cpp) and the per-ISA kernel files
// (matmul_scalar.cpp, matmul_avx2.cpp, matmul_avx512.cpp, matmul_neon.cpp, matmul_neonv8.cpp).
// Quantized weights are multiplied against activations quantized once per call to 8 bits per
// block of 32 (llama.cpp's Q8_1 idea): per block a scale d and s = d * Σ q, so every weight type
// reduces to an integer dot per block:  w·x ≈ d_w·d_x·Σ(q_w q_x) + c_w·s_x
// with c_w = m (Q4_1), -8·d_w (Q4_0, nibbles taken unsigned), -128·d_w (Q8_0 biased to unsigned).
#pragma once
#include <cstdint>

#include "hetspec/engine/cpu/quant_blocks.hpp"
#include "hetspec/engine/weight_view.hpp"

namespace hetspec::detail {

// m activation rows quantized per block of 32 exactly as llama.cpp does (d = amax/127 stored as f16,
// q = round-to-nearest-even(x·127/amax)): row i has qs[i*k .. i*k+k) and per block
//   ds   (d, d·Σq)       Σ exact in f32 (d is an f16 value, Σq < 2^12): for Q4_0 / Q8_0, whose offset
//                       term must cancel exactly against the integer dot;
//   ds81 (d, f16(d32·Σq)) llama.cpp's block_q8_1 s, rounded to f16 as there: for Q4_1 (m·s).
struct QuantX {
  const int8_t* qs = nullptr;  // (m, k)
  const float* ds = nullptr;   // (m, nb, 2)
  const float* ds81 = nullptr; // (m, nb, 2)
  int64_t k = 0, nb = 0;
};

// Computes y[i*n + r] for every x row i < m and weight row r in [r0, r1). x is (m, k) f32 (used by
// the float dtypes), xq its quantization (used by the quantized dtypes).
using RowsFn = void (*)(const WeightView& w, const float* x, const QuantX& xq, float* y, int64_t m,
                        int64_t r0, int64_t r1);

// Weight rows are one contiguous stream, but each matrix is small (tens of KB to a few MB) and the
// hardware prefetcher ramps up too late: every path prefetches the bytes [p, p + len) that it will
// read a little later (kPrefetchAhead past the rows it is working on), never past `end`.
// Measured on the SmolLM2 decode matmuls (Zen 4, AVX-512): 11 ms -> 6 ms per token.
constexpr int64_t kPrefetchAhead = 3072;
static inline void prefetch_range(const uint8_t* p, int64_t len, const uint8_t* end) {
  const uint8_t* e = p + len < end ? p + len : end;
  for (; p < e; p += 64) __builtin_prefetch(p, 0, 3);
}

// Row addressing with the stride computed once (WeightView::row() computes it per call through an
// out-of-line dtype lookup, which showed up in GEMV profiles). Internal linkage: this header is
// compiled with different ISA flags in different files.
namespace {
struct RowPtrs {
  const uint8_t* base;
  int64_t stride;
  const uint8_t* row(int64_t r) const { return base + r * stride; }
};
inline RowPtrs row_ptrs(const WeightView& w) {
  return {static_cast<const uint8_t*>(w.data), static_cast<int64_t>(w.row_stride())};
}

// The float-weight (F32/F16/BF16) driver the SIMD paths share: rows [r0, r1) of W against the m
// activation rows, up to 4 at a time, prefetching ahead. DotRow<R>::run(wr, xi, k, out) computes
// out[i] = W[row wr] · xi[i*k .. i*k + k) for i < R, in the path's own instructions.
template <template <int> class DotRow>
void rows_float_driver(const WeightView& w, const float* x, float* y, int64_t m, int64_t r0, int64_t r1) {
  constexpr int kR = 4;
  const int64_t n = w.rows, k = w.cols;
  const RowPtrs rows = row_ptrs(w);
  const uint8_t* end = rows.row(r1);
  for (int64_t i0 = 0; i0 < m; i0 += kR) {
    const int R = static_cast<int>(m - i0 < kR ? m - i0 : kR);
    const float* xi = x + i0 * k;  // (R, k)
    float out[kR];
    for (int64_t r = r0; r < r1; ++r) {
      const void* wr = rows.row(r);
      prefetch_range(rows.row(r + 1) + kPrefetchAhead, rows.stride, end);
      switch (R) {
        case 1: DotRow<1>::run(wr, xi, k, out); break;
        case 2: DotRow<2>::run(wr, xi, k, out); break;
        case 3: DotRow<3>::run(wr, xi, k, out); break;
        default: DotRow<4>::run(wr, xi, k, out); break;
      }
      for (int i = 0; i < R; ++i) y[(i0 + i) * n + r] = out[i];
    }
  }
}
// Bytes of one block of a quantized dtype (Q4_0, Q4_1, Q8_0).
template <DType T>
constexpr int64_t quant_block_bytes() {
  return T == DType::Q4_0 ? int64_t(sizeof(BlockQ4_0)) : T == DType::Q4_1 ? int64_t(sizeof(BlockQ4_1)) : int64_t(sizeof(BlockQ8_0));
}

// Pointers to activation rows i0 .. i0 + R - 1 of xq for dtype T: their quants and per-block (d, s)
// pairs (ds81 for Q4_1, ds otherwise; see QuantX).
template <DType T>
inline void activation_rows(const QuantX& xq, int64_t i0, int R, const int8_t** xs, const float** xds) {
  for (int i = 0; i < R; ++i) {
    xs[i] = xq.qs + (i0 + i) * xq.k;
    xds[i] = (T == DType::Q4_1 ? xq.ds81 : xq.ds) + (i0 + i) * xq.nb * 2;
  }
}

// The X8 driver the SIMD paths share (layout: cpu/repack.hpp): every group of 8 rows overlapping
// [r0, r1), up to 4 activation rows per pass over a group (its bytes stay in L1), storing only the
// rows in range (a chunk of the threaded dispatch may start inside a group). Dot<T, R>::run(grp, nb,
// xs, xds, out, end) computes out[i][r] = row r of the group . activation row i (i < R) in the path's
// own instructions, prefetching no further than `end`.
template <DType T, template <DType, int> class Dot>
void rows_x8_driver(const WeightView& w, const QuantX& xq, float* y, int64_t m, int64_t r0, int64_t r1) {
  constexpr int kMaxR = 4, kRows = 8;  // kRows: kX8Rows
  const int64_t n = w.rows, nb = xq.nb;
  const int64_t gbytes = nb * kRows * quant_block_bytes<T>();  // one group of 8 rows
  const auto* base = static_cast<const uint8_t*>(w.data);
  const uint8_t* end = base + (r1 + kRows - 1) / kRows * gbytes;
  for (int64_t g = r0 / kRows; g * kRows < r1; ++g) {
    const uint8_t* grp = base + g * gbytes;
    const int64_t lo = (r0 > g * kRows ? r0 : g * kRows) - g * kRows;
    const int64_t hi = (r1 < (g + 1) * kRows ? r1 : (g + 1) * kRows) - g * kRows;
    for (int64_t i0 = 0; i0 < m; i0 += kMaxR) {
      const int R = static_cast<int>(m - i0 < kMaxR ? m - i0 : kMaxR);
      const int8_t* xs[kMaxR];
      const float* xds[kMaxR];
      activation_rows<T>(xq, i0, R, xs, xds);
      alignas(32) float out[kMaxR][kRows];
      switch (R) {
        case 1: Dot<T, 1>::run(grp, nb, xs, xds, out, end); break;
        case 2: Dot<T, 2>::run(grp, nb, xs, xds, out, end); break;
        case 3: Dot<T, 3>::run(grp, nb, xs, xds, out, end); break;
        default: Dot<T, 4>::run(grp, nb, xs, xds, out, end); break;
      }
      for (int i = 0; i < R; ++i)
        for (int64_t r = lo; r < hi; ++r) y[(i0 + i) * n + g * kRows + r] = out[i][r];
    }
  }
}
}  // namespace

// Per path: the kernel for dtype t, or nullptr where the path has none (the caller falls back to
// the scalar path's). Each is defined in its own ISA file; on other architectures it returns nullptr.
RowsFn rows_fn_scalar(DType t);
RowsFn rows_fn_avx2(DType t);
RowsFn rows_fn_avx512(DType t);
RowsFn rows_fn_neon(DType t);     // armv8.2 dotprod
RowsFn rows_fn_neonv8(DType t);   // baseline armv8 NEON
// Kernels for weights in the X8 layout (cpu/repack.hpp); Q4_0, Q4_1 and Q8_0 only.
RowsFn rows_fn_x8_scalar(DType t);  // via the plain scalar kernel: the reference
RowsFn rows_fn_x8_avx2(DType t);    // AVX2; nullptr off x86
RowsFn rows_fn_x8_avx512(DType t);  // AVX-512 VNNI (the AVX512 path; bit-equal to the AVX2 one); nullptr off x86
RowsFn rows_fn_x8_neon(DType t);    // armv8.2 dotprod (the NEONDot path); nullptr elsewhere

// Scalar quantization of one activation row (k a multiple of 32) into qs (k), ds and ds81 (nb*2 each).
void quantize_x_row_scalar(const float* x, int8_t* qs, float* ds, float* ds81, int64_t k);
// Vectorized versions (all round to nearest even, as llama.cpp's SIMD quantizers). Each exists
// on its own architecture only; the dispatcher selects by path (AVX-512 uses the AVX2 one).
void quantize_x_row_avx2(const float* x, int8_t* qs, float* ds, float* ds81, int64_t k);
void quantize_x_row_neon(const float* x, int8_t* qs, float* ds, float* ds81, int64_t k);

}  // namespace hetspec::detail
