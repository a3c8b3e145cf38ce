// AVX-512 (F/BW/VL/DQ + VNNI) path. Quantized weights: two blocks (64 weights) per step, nibbles or
// biased bytes as unsigned u8 against the s8 activations with VPDPBUSD, per-block scales applied in
// f32 (d_w·d_x broadcast over each block's 8 lanes), the offset term c_w·s_x in a side accumulator.
// Tiles: 4 weight rows x 1 activation row for GEMV; 2 x 4 for GEMM (each unpacked weight block pair
// is reused for 4 activation rows, each activation load for 2 weight rows).
#if defined(__x86_64__)
// GCC 12 warns falsely about the undefined-register idiom inside its own AVX-512 headers.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "hetspec/engine/cpu/quant_blocks.hpp"
#include "matmul_internal.hpp"

namespace hetspec::detail {

namespace {

template <DType T> struct Blk;
template <> struct Blk<DType::Q4_0> { using type = BlockQ4_0; };
template <> struct Blk<DType::Q4_1> { using type = BlockQ4_1; };
template <> struct Blk<DType::Q8_0> { using type = BlockQ8_0; };

// Unsigned weight bytes of blocks b, b+1 (64 lanes, in activation order).
template <DType T>
inline __m512i load_w2(const typename Blk<T>::type* blk) {
  if constexpr (T == DType::Q8_0) {
    __m512i v = _mm512_inserti64x4(
        _mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk[0].qs))),
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk[1].qs)), 1);
    return _mm512_xor_si512(v, _mm512_set1_epi8(static_cast<char>(0x80)));  // q + 128
  } else {
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk[0].qs));
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk[1].qs));
    __m512i ab = _mm512_castsi256_si512(_mm256_inserti128_si256(_mm256_castsi128_si256(a), b, 1));
    __m512i t = _mm512_shuffle_i64x2(ab, ab, 0x50);  // lanes [a, a, b, b]
    t = _mm512_mask_srli_epi16(t, 0xFF00FF00u, t, 4);  // high nibbles into lanes 1 and 3
    return _mm512_and_si512(t, _mm512_set1_epi8(0x0f));
  }
}

// Single block b as 32 unsigned bytes.
template <DType T>
inline __m256i load_w1(const typename Blk<T>::type* blk) {
  if constexpr (T == DType::Q8_0) {
    return _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk->qs)),
                            _mm256_set1_epi8(static_cast<char>(0x80)));
  } else {
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk->qs));
    __m256i t = _mm256_inserti128_si256(_mm256_castsi128_si256(a), _mm_srli_epi16(a, 4), 1);
    return _mm256_and_si256(t, _mm256_set1_epi8(0x0f));
  }
}

// (d, c) of one block as floats: w_j = d * u_j + c with u_j the unsigned byte.
template <DType T>
inline void scales1(const typename Blk<T>::type* blk, float& d, float& c) {
  d = _cvtsh_ss(blk->d);
  if constexpr (T == DType::Q4_1) c = _cvtsh_ss(blk->m);
  else if constexpr (T == DType::Q4_0) c = -8.0f * d;
  else c = -128.0f * d;
}

// [d0, c0, d1, c1] for blocks b, b+1.
template <DType T>
inline __m128 scales2(const typename Blk<T>::type* blk) {
  if constexpr (T == DType::Q4_1) {
    uint32_t a, b;
    std::memcpy(&a, &blk[0], 4);
    std::memcpy(&b, &blk[1], 4);
    return _mm_cvtph_ps(_mm_unpacklo_epi32(_mm_cvtsi32_si128(static_cast<int>(a)), _mm_cvtsi32_si128(static_cast<int>(b))));
  } else {
    const uint32_t dd = static_cast<uint32_t>(blk[0].d) | (static_cast<uint32_t>(blk[1].d) << 16);
    __m128 d = _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(dd)));  // [d0, d1, 0, 0]
    d = _mm_unpacklo_ps(d, d);                                          // [d0, d0, d1, d1]
    const float f = T == DType::Q4_0 ? -8.0f : -128.0f;
    return _mm_mul_ps(d, _mm_setr_ps(1.0f, f, 1.0f, f));
  }
}

inline float hsum512(__m512 v) { return _mm512_reduce_add_ps(v); }

// NR weight rows against R activation rows (NR·R accumulators). dx8: (m, nb, 8) each block's d_x
// repeated 8 times, so a block pair's scales are one 16-float load.
template <DType T, int NR, int R>
inline void dot_tile(const typename Blk<T>::type* const* wr, const int8_t* const* xs, const float* const* xds,
                     const float* const* dx8, int64_t nb, float* out /* (NR, R) */) {
  __m512 acc[NR][R];
  __m128 accc[NR][R];
  for (int r = 0; r < NR; ++r)
    for (int i = 0; i < R; ++i) { acc[r][i] = _mm512_setzero_ps(); accc[r][i] = _mm_setzero_ps(); }
  const __m512i perm = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2);
  int64_t b = 0;
  for (; b + 2 <= nb; b += 2) {
    __m512i wq[NR];
    __m128 dc[NR];
    __m512 d16[NR];
    for (int r = 0; r < NR; ++r) {
      wq[r] = load_w2<T>(wr[r] + b);
      dc[r] = scales2<T>(wr[r] + b);
      d16[r] = _mm512_permutexvar_ps(perm, _mm512_castps128_ps512(dc[r]));
    }
    for (int i = 0; i < R; ++i) {
      const __m512i xv = _mm512_loadu_si512(xs[i] + b * QK);
      const __m512 dxv = _mm512_loadu_ps(dx8[i] + b * 8);
      const __m128 xs4 = _mm_loadu_ps(xds[i] + b * 2);
      for (int r = 0; r < NR; ++r) {
        const __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), wq[r], xv);
        acc[r][i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(d16[r], dxv), acc[r][i]);
        accc[r][i] = _mm_fmadd_ps(dc[r], xs4, accc[r][i]);
      }
    }
  }
  float tail[NR][R] = {};
  if (b < nb) {
    for (int r = 0; r < NR; ++r) {
      const __m256i wq = load_w1<T>(wr[r] + b);
      float d, c;
      scales1<T>(wr[r] + b, d, c);
      for (int i = 0; i < R; ++i) {
        const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xs[i] + b * QK));
        const __m256i dot = _mm256_dpbusd_epi32(_mm256_setzero_si256(), wq, xv);
        __m128i s = _mm_add_epi32(_mm256_castsi256_si128(dot), _mm256_extracti128_si256(dot, 1));
        s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
        s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
        tail[r][i] = d * xds[i][b * 2] * static_cast<float>(_mm_cvtsi128_si32(s)) + c * xds[i][b * 2 + 1];
      }
    }
  }
  for (int r = 0; r < NR; ++r)
    for (int i = 0; i < R; ++i) {
      alignas(16) float cc[4];
      _mm_store_ps(cc, accc[r][i]);
      out[r * R + i] = hsum512(acc[r][i]) + (cc[1] + cc[3]) + tail[r][i];
    }
}

// Rows [r0, r1) in tiles of NR weight rows (then single rows) against R activation rows at i0.
template <DType T, int NR, int R>
void tile_rows(const WeightView& w, const QuantX& xq, float* y, int64_t i0, int64_t r0, int64_t r1) {
  using B = typename Blk<T>::type;
  const int64_t n = w.rows, nb = xq.nb, k = xq.k;
  const int8_t* xs[R];
  const float* xds[R];
  const float* dx8[R];
  for (int i = 0; i < R; ++i) {
    xs[i] = xq.qs + (i0 + i) * k;
    xds[i] = (T == DType::Q4_1 ? xq.ds81 : xq.ds) + (i0 + i) * nb * 2;
    dx8[i] = xq.dx8 + (i0 + i) * nb * 8;
  }
  float out[NR * R];
  const RowPtrs wr_ = row_ptrs(w);
  const int64_t stride = wr_.stride;
  const uint8_t* end = wr_.row(r1);
  int64_t r = r0;
  for (; r + NR <= r1; r += NR) {
    prefetch_range(wr_.row(r + NR) + kPrefetchAhead, NR * stride, end);
    const B* wr[NR];
    for (int j = 0; j < NR; ++j) wr[j] = reinterpret_cast<const B*>(wr_.row(r + j));
    dot_tile<T, NR, R>(wr, xs, xds, dx8, nb, out);
    for (int j = 0; j < NR; ++j)
      for (int i = 0; i < R; ++i) y[(i0 + i) * n + r + j] = out[j * R + i];
  }
  for (; r < r1; ++r) {
    const B* wr[1] = {reinterpret_cast<const B*>(wr_.row(r))};
    dot_tile<T, 1, R>(wr, xs, xds, dx8, nb, out);
    for (int i = 0; i < R; ++i) y[(i0 + i) * n + r] = out[i];
  }
}

template <DType T>
void rows_quant(const WeightView& w, const float*, const QuantX& xq, float* y, int64_t m, int64_t r0, int64_t r1) {
  if (m == 1) {
    tile_rows<T, 4, 1>(w, xq, y, 0, r0, r1);
    return;
  }
  int64_t i0 = 0;
  for (; i0 + 4 <= m; i0 += 4) tile_rows<T, 2, 4>(w, xq, y, i0, r0, r1);
  switch (m - i0) {
    case 1: tile_rows<T, 4, 1>(w, xq, y, i0, r0, r1); break;
    case 2: tile_rows<T, 4, 2>(w, xq, y, i0, r0, r1); break;
    case 3: tile_rows<T, 2, 3>(w, xq, y, i0, r0, r1); break;
    default: break;
  }
}

// 16 weights of a float row starting at j (masked when fewer remain) as f32.
template <DType T>
inline __m512 load_wf(const void* row, int64_t j, __mmask16 mk) {
  if constexpr (T == DType::F32) {
    return _mm512_maskz_loadu_ps(mk, static_cast<const float*>(row) + j);
  } else {
    const __m256i h = _mm256_maskz_loadu_epi16(mk, static_cast<const uint16_t*>(row) + j);
    if constexpr (T == DType::F16) return _mm512_cvtph_ps(h);
    else return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
}

template <DType T, int R>
inline void dotf_row(const void* wr, const float* x, int64_t k, float* out) {
  __m512 acc[R];
  for (int i = 0; i < R; ++i) acc[i] = _mm512_setzero_ps();
  int64_t j = 0;
  for (; j + 16 <= k; j += 16) {
    const __m512 wv = load_wf<T>(wr, j, 0xffff);
    for (int i = 0; i < R; ++i) acc[i] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(x + i * k + j), acc[i]);
  }
  if (j < k) {
    const __mmask16 mk = static_cast<__mmask16>((1u << (k - j)) - 1);
    const __m512 wv = load_wf<T>(wr, j, mk);
    for (int i = 0; i < R; ++i) acc[i] = _mm512_fmadd_ps(wv, _mm512_maskz_loadu_ps(mk, x + i * k + j), acc[i]);
  }
  for (int i = 0; i < R; ++i) out[i] = hsum512(acc[i]);
}

template <DType T>
void rows_float(const WeightView& w, const float* x, const QuantX&, float* y, int64_t m, int64_t r0, int64_t r1) {
  const int64_t n = w.rows, k = w.cols;
  constexpr int kR = 4;
  for (int64_t i0 = 0; i0 < m; i0 += kR) {
    const int R = static_cast<int>(std::min<int64_t>(kR, m - i0));
    const float* xi = x + i0 * k;
    float out[kR];
    const RowPtrs wr_ = row_ptrs(w);
    const int64_t stride = wr_.stride;
    const uint8_t* end = wr_.row(r1);
    for (int64_t r = r0; r < r1; ++r) {
      const void* wr = wr_.row(r);
      prefetch_range(wr_.row(r + 1) + kPrefetchAhead, stride, end);
      switch (R) {
        case 1: dotf_row<T, 1>(wr, xi, k, out); break;
        case 2: dotf_row<T, 2>(wr, xi, k, out); break;
        case 3: dotf_row<T, 3>(wr, xi, k, out); break;
        default: dotf_row<T, 4>(wr, xi, k, out); break;
      }
      for (int i = 0; i < R; ++i) y[(i0 + i) * n + r] = out[i];
    }
  }
}

}  // namespace

RowsFn rows_fn_avx512(DType t) {
  switch (t) {
    case DType::F32: return rows_float<DType::F32>;
    case DType::F16: return rows_float<DType::F16>;
    case DType::BF16: return rows_float<DType::BF16>;
    case DType::Q8_0: return rows_quant<DType::Q8_0>;
    case DType::Q4_0: return rows_quant<DType::Q4_0>;
    case DType::Q4_1: return rows_quant<DType::Q4_1>;
    default: return nullptr;
  }
}

}  // namespace hetspec::detail

#else
#include "matmul_internal.hpp"
namespace hetspec::detail {
RowsFn rows_fn_avx512(DType) { return nullptr; }
}  // namespace hetspec::detail
#endif
