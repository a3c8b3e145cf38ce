// NEON kernels shared by the two aarch64 paths, instantiated in matmul_neon.cpp (armv8.2 + dotprod:
// SDOT) and matmul_neonv8.cpp (baseline armv8: SMULL + SADALP). Everything here is in an anonymous
// namespace so the two ISA builds never merge (no ODR clash between differently-compiled copies).
// Quantized weights one block (32) per step as s8 (nibbles 0..15; Q8_0 as stored) against the s8
// activations; per-block scale in f32; offset term c_w·s_x (Q4_1: m, Q4_0: -8·d) in a scalar sum.
#pragma once
#if defined(__aarch64__)
#include <arm_neon.h>

#include <algorithm>
#include <cstring>

#include "hetspec/engine/cpu/quant_blocks.hpp"
#include "matmul_internal.hpp"

namespace hetspec::detail {
namespace {

constexpr int kMaxR = 4;

inline float h2f(uint16_t h) {
  __fp16 v;
  std::memcpy(&v, &h, 2);
  return static_cast<float>(v);
}

template <bool Dot>
inline int32x4_t dot32(int8x16_t w0, int8x16_t w1, const int8_t* x) {
  const int8x16_t x0 = vld1q_s8(x), x1 = vld1q_s8(x + 16);
  if constexpr (Dot) {
#if defined(__ARM_FEATURE_DOTPROD)
    return vdotq_s32(vdotq_s32(vdupq_n_s32(0), w0, x0), w1, x1);
#else
    static_assert(!Dot, "dotprod path compiled without +dotprod");
#endif
  } else {
    int16x8_t p0 = vmull_s8(vget_low_s8(w0), vget_low_s8(x0));
    int16x8_t p1 = vmull_high_s8(w0, x0);
    int16x8_t p2 = vmull_s8(vget_low_s8(w1), vget_low_s8(x1));
    int16x8_t p3 = vmull_high_s8(w1, x1);
    int32x4_t s = vpaddlq_s16(p0);
    s = vpadalq_s16(s, p1);
    s = vpadalq_s16(s, p2);
    return vpadalq_s16(s, p3);
  }
}

template <DType T> struct Blk;
template <> struct Blk<DType::Q4_0> { using type = BlockQ4_0; };
template <> struct Blk<DType::Q4_1> { using type = BlockQ4_1; };
template <> struct Blk<DType::Q8_0> { using type = BlockQ8_0; };

template <DType T, bool Dot, int R>
inline void dot_row(const typename Blk<T>::type* wr, const int8_t* const* xs, const float* const* xds,
                    int64_t nb, float* out) {
  float32x4_t acc[R];
  float accc[R];
  for (int i = 0; i < R; ++i) { acc[i] = vdupq_n_f32(0); accc[i] = 0; }
  for (int64_t b = 0; b < nb; ++b) {
    const auto* blk = wr + b;
    int8x16_t w0, w1;
    float d = h2f(blk->d), c = 0;
    if constexpr (T == DType::Q8_0) {
      w0 = vld1q_s8(blk->qs);
      w1 = vld1q_s8(blk->qs + 16);
    } else {
      const uint8x16_t a = vld1q_u8(blk->qs);
      w0 = vreinterpretq_s8_u8(vandq_u8(a, vdupq_n_u8(0x0f)));
      w1 = vreinterpretq_s8_u8(vshrq_n_u8(a, 4));
      if constexpr (T == DType::Q4_1) c = h2f(blk->m);
      else c = -8.0f * d;
    }
    for (int i = 0; i < R; ++i) {
      const int32x4_t s = dot32<Dot>(w0, w1, xs[i] + b * QK);
      acc[i] = vfmaq_n_f32(acc[i], vcvtq_f32_s32(s), d * xds[i][2 * b]);
      if constexpr (T != DType::Q8_0) accc[i] += c * xds[i][2 * b + 1];
    }
  }
  for (int i = 0; i < R; ++i) out[i] = vaddvq_f32(acc[i]) + accc[i];
}

template <DType T, bool Dot>
void rows_quant(const WeightView& w, const float*, const QuantX& xq, float* y, int64_t m, int64_t r0, int64_t r1) {
  using B = typename Blk<T>::type;
  const int64_t n = w.rows, nb = xq.nb, k = xq.k;
  for (int64_t i0 = 0; i0 < m; i0 += kMaxR) {
    const int R = static_cast<int>(std::min<int64_t>(kMaxR, m - i0));
    const int8_t* xs[kMaxR];
    const float* xds[kMaxR];
    for (int i = 0; i < R; ++i) {
      xs[i] = xq.qs + (i0 + i) * k;
      xds[i] = (T == DType::Q4_1 ? xq.ds81 : xq.ds) + (i0 + i) * nb * 2;
    }
    float out[kMaxR];
    const RowPtrs wr_ = row_ptrs(w);
    const int64_t stride = wr_.stride;
    const uint8_t* end = wr_.row(r1);
    for (int64_t r = r0; r < r1; ++r) {
      const B* wr = reinterpret_cast<const B*>(wr_.row(r));
      prefetch_range(wr_.row(r + 1) + kPrefetchAhead, stride, end);
      switch (R) {
        case 1: dot_row<T, Dot, 1>(wr, xs, xds, nb, out); break;
        case 2: dot_row<T, Dot, 2>(wr, xs, xds, nb, out); break;
        case 3: dot_row<T, Dot, 3>(wr, xs, xds, nb, out); break;
        default: dot_row<T, Dot, 4>(wr, xs, xds, nb, out); break;
      }
      for (int i = 0; i < R; ++i) y[(i0 + i) * n + r] = out[i];
    }
  }
}

template <DType T>
inline float32x4_t load_wf(const void* row, int64_t j) {
  if constexpr (T == DType::F32) {
    return vld1q_f32(static_cast<const float*>(row) + j);
  } else if constexpr (T == DType::F16) {
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(static_cast<const uint16_t*>(row) + j)));
  } else {
    return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(static_cast<const uint16_t*>(row) + j), 16));
  }
}

template <DType T>
inline float wf_scalar(const void* row, int64_t j) {
  if constexpr (T == DType::F32) return static_cast<const float*>(row)[j];
  else if constexpr (T == DType::F16) return h2f(static_cast<const uint16_t*>(row)[j]);
  else {
    const uint32_t b = static_cast<uint32_t>(static_cast<const uint16_t*>(row)[j]) << 16;
    float f;
    std::memcpy(&f, &b, 4);
    return f;
  }
}

template <DType T, int R>
inline void dotf_row(const void* wr, const float* x, int64_t k, float* out) {
  float32x4_t acc[R];
  for (int i = 0; i < R; ++i) acc[i] = vdupq_n_f32(0);
  int64_t j = 0;
  for (; j + 4 <= k; j += 4) {
    const float32x4_t wv = load_wf<T>(wr, j);
    for (int i = 0; i < R; ++i) acc[i] = vfmaq_f32(acc[i], wv, vld1q_f32(x + i * k + j));
  }
  for (int i = 0; i < R; ++i) {
    float s = vaddvq_f32(acc[i]);
    for (int64_t jj = j; jj < k; ++jj) s += wf_scalar<T>(wr, jj) * x[i * k + jj];
    out[i] = s;
  }
}

template <DType T>
struct DotF {
  template <int R>
  struct Rows {
    static void run(const void* wr, const float* xi, int64_t k, float* out) { dotf_row<T, R>(wr, xi, k, out); }
  };
};

template <DType T>
void rows_float(const WeightView& w, const float* x, const QuantX&, float* y, int64_t m, int64_t r0, int64_t r1) {
  rows_float_driver<DotF<T>::template Rows>(w, x, y, m, r0, r1);
}

template <bool Dot>
RowsFn neon_rows_fn(DType t) {
  switch (t) {
    case DType::F32: return rows_float<DType::F32>;
    case DType::F16: return rows_float<DType::F16>;
    case DType::BF16: return rows_float<DType::BF16>;
    case DType::Q8_0: return rows_quant<DType::Q8_0, Dot>;
    case DType::Q4_0: return rows_quant<DType::Q4_0, Dot>;
    case DType::Q4_1: return rows_quant<DType::Q4_1, Dot>;
    default: return nullptr;
  }
}

}  // namespace
}  // namespace hetspec::detail
#endif
