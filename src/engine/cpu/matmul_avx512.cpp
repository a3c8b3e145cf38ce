// AVX-512 (F/BW/VL/DQ + VNNI) path. Quantized weights: one block of two weight rows per 512-bit
// step, nibbles or biased bytes as unsigned u8 against the s8 activations with VPDPBUSD, every dot
// in exactly llama.cpp's float order (see dot_tile), so forwards match llama.cpp bit for bit.
// Tiles: 4 weight rows x 1 activation row for GEMV; 2 x 4 for GEMM (each unpacked weight pair is
// reused for 4 activation rows); a row's result does not depend on the tile.
#if defined(__x86_64__)
// GCC 12 warns falsely about the undefined-register idiom inside its own AVX-512 headers.
#if !defined(__clang__)  // a GCC-only warning
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
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

// Block b of two weight rows: row A's 32 bytes in lanes 0-255, row B's in 256-511, each in
// activation order (Q8_0: signed bytes; Q4_0 / Q4_1: unsigned nibbles).
template <DType T>
inline __m512i load_pair(const typename Blk<T>::type* a, const typename Blk<T>::type* b) {
  if constexpr (T == DType::Q8_0) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a->qs))),
                              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b->qs)), 1);
  } else {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a->qs));
    const __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b->qs));
    __m512i t = _mm512_castsi256_si512(_mm256_inserti128_si256(_mm256_castsi128_si256(x), y, 1));
    t = _mm512_shuffle_i64x2(t, t, 0x50);              // 128-bit lanes [x, x, y, y]
    t = _mm512_mask_srli_epi16(t, 0xFF00FF00u, t, 4);  // high nibbles into lanes 1 and 3
    return _mm512_and_si512(t, _mm512_set1_epi8(0x0f));
  }
}

// Two 16-bit values at the start of a block header (d, then m for Q4_1) as floats.
template <DType T>
inline __m128 head_pair(const typename Blk<T>::type* a, const typename Blk<T>::type* b) {
  uint32_t x, y;
  std::memcpy(&x, a, 4);
  std::memcpy(&y, b, 4);
  return _mm_cvtph_ps(_mm_unpacklo_epi32(_mm_cvtsi32_si128(static_cast<int>(x)), _mm_cvtsi32_si128(static_cast<int>(y))));
}

// llama.cpp's hsum_float_8 (x86 quants.c).
inline float hsum8(__m256 x) {
  __m128 r = _mm_add_ps(_mm256_extractf128_ps(x, 1), _mm256_castps256_ps128(x));
  r = _mm_add_ps(r, _mm_movehl_ps(r, r));
  r = _mm_add_ss(r, _mm_movehdup_ps(r));
  return _mm_cvtss_f32(r);
}

// NP pairs of weight rows against R activation rows, each dot in exactly the order of llama.cpp's
// ggml_vec_dot_q4_1_q8_1 / q8_0_q8_0 / q4_0_q8_0 (AVX2 code, VNNI): per block, 8 int32 lanes of
// 4-element integer dots; acc8 = fma(d_w·d_x, float(lanes), acc8) block after block; result
// hsum_float_8(acc8), plus for Q4_1 the scalar FMA chain Σ m_w·s_x. A pair shares one 512-bit
// register (row A in lanes 0-7, row B in 8-15), so the VNNI work per weight equals a
// two-blocks-per-step kernel. Q8_0 / Q4_0 use llama.cpp's sign trick (|w| against x carrying w's
// sign; activations are in [-127, 127]), so the integer lanes equal llama.cpp's exactly.
template <DType T, int NP, int R>
inline void dot_tile(const typename Blk<T>::type* const* wr, const int8_t* const* xs, const float* const* xds,
                     int64_t nb, float* out /* (2 NP, R) */) {
  __m512 acc[NP][R];
  __m128 summ[NP][R];  // Q4_1: lanes 1, 3 = the pair's rows
  for (int i = 0; i < R; ++i)
    for (int p = 0; p < NP; ++p) {
      acc[p][i] = _mm512_setzero_ps();
      summ[p][i] = _mm_setzero_ps();
    }
  const __m512i perm = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2);
  auto step = [&](int64_t b) __attribute__((always_inline)) {
    __m512i wq[NP];
    __m512 dw[NP];
    __m128 hw[NP];  // [d_a, m_a, d_b, m_b]
    for (int p = 0; p < NP; ++p) {
      const auto* ba = wr[2 * p] + b;
      const auto* bb = wr[2 * p + 1] + b;
      wq[p] = load_pair<T>(ba, bb);
      const __m128 h = head_pair<T>(ba, bb);  // [d_a, m_a, d_b, m_b]
      dw[p] = _mm512_permutexvar_ps(perm, _mm512_castps128_ps512(h));
      hw[p] = h;
    }
    __mmask64 neg[NP];  // Q8_0 / Q4_0: llama.cpp's sign trick, |w| · (x with w's sign)
    if constexpr (T != DType::Q4_1) {
      for (int p = 0; p < NP; ++p) {
        if constexpr (T == DType::Q4_0) wq[p] = _mm512_sub_epi8(wq[p], _mm512_set1_epi8(8));
        neg[p] = _mm512_movepi8_mask(wq[p]);
        wq[p] = _mm512_abs_epi8(wq[p]);
      }
    }
    for (int i = 0; i < R; ++i) {
      const __m512i xv = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(xs[i] + b * QK)));
      const __m512 dx = _mm512_set1_ps(xds[i][b * 2]);
      if constexpr (T == DType::Q4_1) {
        const __m128 sx = _mm_set1_ps(xds[i][b * 2 + 1]);
        // lanes 1 and 3 (m_a·s, m_b·s) are the chains; lanes 0 and 2 are ignored
        for (int p = 0; p < NP; ++p) summ[p][i] = _mm_fmadd_ps(hw[p], sx, summ[p][i]);
      }
      for (int p = 0; p < NP; ++p) {
        __m512i xp = xv;
        if constexpr (T != DType::Q4_1) xp = _mm512_mask_sub_epi8(xv, neg[p], _mm512_setzero_si512(), xv);
        const __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), wq[p], xp);
        acc[p][i] = _mm512_fmadd_ps(_mm512_mul_ps(dw[p], dx), _mm512_cvtepi32_ps(dot), acc[p][i]);
      }
    }
  };
  int64_t b = 0;
  for (; b + 2 <= nb; b += 2) {  // two blocks per iteration (the chain order stays block by block)
    step(b);
    step(b + 1);
  }
  if (b < nb) step(b);
  for (int i = 0; i < R; ++i) {
    for (int p = 0; p < NP; ++p) {
      alignas(16) float sm[4];
      _mm_store_ps(sm, summ[p][i]);
      const float lo = hsum8(_mm512_castps512_ps256(acc[p][i]));
      const float hi = hsum8(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc[p][i]), 1)));
      out[(2 * p) * R + i] = T == DType::Q4_1 ? lo + sm[1] : lo;
      out[(2 * p + 1) * R + i] = T == DType::Q4_1 ? hi + sm[3] : hi;
    }
  }
}

// Rows [r0, r1) in tiles of 2 NP weight rows (then pairs, then a last single row computed as a
// pair with itself) against R activation rows at i0.
template <DType T, int NP, int R>
void tile_rows(const WeightView& w, const QuantX& xq, float* y, int64_t i0, int64_t r0, int64_t r1) {
  using B = typename Blk<T>::type;
  constexpr int NR = 2 * NP;
  const int64_t n = w.rows, nb = xq.nb, k = xq.k;
  const int8_t* xs[R];
  const float* xds[R];
  for (int i = 0; i < R; ++i) {
    xs[i] = xq.qs + (i0 + i) * k;
    xds[i] = (T == DType::Q4_1 ? xq.ds81 : xq.ds) + (i0 + i) * nb * 2;
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
    dot_tile<T, NP, R>(wr, xs, xds, nb, out);
    for (int j = 0; j < NR; ++j)
      for (int i = 0; i < R; ++i) y[(i0 + i) * n + r + j] = out[j * R + i];
  }
  for (; r < r1; r += 2) {
    const int two = r + 1 < r1 ? 2 : 1;
    const B* wr[2] = {reinterpret_cast<const B*>(wr_.row(r)), reinterpret_cast<const B*>(wr_.row(r + two - 1))};
    dot_tile<T, 1, R>(wr, xs, xds, nb, out);
    for (int j = 0; j < two; ++j)
      for (int i = 0; i < R; ++i) y[(i0 + i) * n + r + j] = out[j * R + i];
  }
}

template <DType T>
void rows_quant(const WeightView& w, const float*, const QuantX& xq, float* y, int64_t m, int64_t r0, int64_t r1) {
  if (m == 1) {
    tile_rows<T, 2, 1>(w, xq, y, 0, r0, r1);
    return;
  }
  int64_t i0 = 0;
  for (; i0 + 4 <= m; i0 += 4) tile_rows<T, 1, 4>(w, xq, y, i0, r0, r1);
  switch (m - i0) {
    case 1: tile_rows<T, 2, 1>(w, xq, y, i0, r0, r1); break;
    case 2: tile_rows<T, 2, 2>(w, xq, y, i0, r0, r1); break;
    case 3: tile_rows<T, 1, 3>(w, xq, y, i0, r0, r1); break;
    default: break;
  }
}

inline float hsum512(__m512 v) { return _mm512_reduce_add_ps(v); }

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
