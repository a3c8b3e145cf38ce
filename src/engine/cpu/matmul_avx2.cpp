// AVX2 + FMA + F16C path. Quantized weights one block (32 weights) per step: unsigned nibbles times
// s8 activations with VPMADDUBSW (no saturation: 15·127·2 < 2^15), Q8_0 with the sign trick
// (|w| times sign(x, w)), then VPMADDWD to i32, per-block scale in f32. Each unpacked block is
// reused for up to 4 activation rows. Also the vectorized activation quantizer (used by AVX-512 too).
#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "hetspec/engine/cpu/quant_blocks.hpp"
#include "matmul_internal.hpp"

namespace hetspec::detail {

void quantize_x_row_avx2(const float* x, int8_t* qs, float* ds, float* ds81, int64_t k) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  for (int64_t b = 0; b < k / QK; ++b) {
    const float* xb = x + b * QK;
    __m256 v0 = _mm256_loadu_ps(xb), v1 = _mm256_loadu_ps(xb + 8);
    __m256 v2 = _mm256_loadu_ps(xb + 16), v3 = _mm256_loadu_ps(xb + 24);
    __m256 mx = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign, v0), _mm256_andnot_ps(sign, v1)),
                              _mm256_max_ps(_mm256_andnot_ps(sign, v2), _mm256_andnot_ps(sign, v3)));
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(mx), _mm256_extractf128_ps(mx, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    const float amax = _mm_cvtss_f32(m4);
    const float d = amax / 127.0f;
    const __m256 id = _mm256_set1_ps(d != 0 ? 127.0f / amax : 0.0f);
    __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(v0, id)), i1 = _mm256_cvtps_epi32(_mm256_mul_ps(v1, id));
    __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(v2, id)), i3 = _mm256_cvtps_epi32(_mm256_mul_ps(v3, id));
    __m256i s = _mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3));
    __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
    // Pack to bytes; packs interleave 128-bit lanes, a final permute restores the order.
    __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
    p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(qs + b * QK), p);
    const int sum = _mm_cvtsi128_si32(s4);
    const float dh = _cvtsh_ss(_cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT));
    ds[2 * b] = dh;
    ds[2 * b + 1] = dh * static_cast<float>(sum);
    ds81[2 * b] = dh;
    ds81[2 * b + 1] = _cvtsh_ss(_cvtss_sh(d * static_cast<float>(sum), _MM_FROUND_TO_NEAREST_INT));
  }
}

namespace {

constexpr int kMaxR = 4;

template <DType T> struct Blk;
template <> struct Blk<DType::Q4_0> { using type = BlockQ4_0; };
template <> struct Blk<DType::Q4_1> { using type = BlockQ4_1; };
template <> struct Blk<DType::Q8_0> { using type = BlockQ8_0; };

inline float hsum256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// One weight row against R activation rows.
template <DType T, int R>
inline void dot_row(const typename Blk<T>::type* wr, const int8_t* const* xs, const float* const* xds,
                    int64_t nb, float* out) {
  __m256 acc[R];
  __m128 accc[R];
  for (int i = 0; i < R; ++i) { acc[i] = _mm256_setzero_ps(); accc[i] = _mm_setzero_ps(); }
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t b = 0; b < nb; ++b) {
    const auto* blk = wr + b;
    __m256i wq;
    __m128 dc;  // [d, c, d, c] (only lanes 0, 1 used)
    if constexpr (T == DType::Q8_0) {
      wq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk->qs));
      dc = _mm_set1_ps(_cvtsh_ss(blk->d));
    } else {
      const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk->qs));
      wq = _mm256_and_si256(_mm256_inserti128_si256(_mm256_castsi128_si256(a), _mm_srli_epi16(a, 4), 1),
                            _mm256_set1_epi8(0x0f));
      if constexpr (T == DType::Q4_1) {
        uint32_t dm;
        std::memcpy(&dm, blk, 4);
        dc = _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(dm)));
      } else {
        const float d = _cvtsh_ss(blk->d);
        dc = _mm_setr_ps(d, -8.0f * d, 0.0f, 0.0f);
      }
    }
    const __m256i wabs = T == DType::Q8_0 ? _mm256_sign_epi8(wq, wq) : wq;
    const __m256 d8 = _mm256_broadcastss_ps(dc);
    for (int i = 0; i < R; ++i) {
      __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xs[i] + b * QK));
      if constexpr (T == DType::Q8_0) xv = _mm256_sign_epi8(xv, wq);
      const __m256i dot = _mm256_madd_epi16(_mm256_maddubs_epi16(wabs, xv), ones);
      const __m256 sc = _mm256_mul_ps(d8, _mm256_broadcast_ss(xds[i] + 2 * b));
      acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), sc, acc[i]);
      if constexpr (T != DType::Q8_0) {
        const __m128 xs2 = _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(xds[i] + 2 * b)));
        accc[i] = _mm_fmadd_ps(dc, xs2, accc[i]);
      }
    }
  }
  for (int i = 0; i < R; ++i) {
    alignas(16) float cc[4];
    _mm_store_ps(cc, accc[i]);
    out[i] = hsum256(acc[i]) + cc[1];
  }
}

template <DType T>
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
        case 1: dot_row<T, 1>(wr, xs, xds, nb, out); break;
        case 2: dot_row<T, 2>(wr, xs, xds, nb, out); break;
        case 3: dot_row<T, 3>(wr, xs, xds, nb, out); break;
        default: dot_row<T, 4>(wr, xs, xds, nb, out); break;
      }
      for (int i = 0; i < R; ++i) y[(i0 + i) * n + r] = out[i];
    }
  }
}

template <DType T>
inline __m256 load_wf(const void* row, int64_t j) {
  if constexpr (T == DType::F32) {
    return _mm256_loadu_ps(static_cast<const float*>(row) + j);
  } else {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(row) + j));
    if constexpr (T == DType::F16) return _mm256_cvtph_ps(h);
    else return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  }
}

template <DType T>
inline float wf_scalar(const void* row, int64_t j) {
  if constexpr (T == DType::F32) return static_cast<const float*>(row)[j];
  else if constexpr (T == DType::F16) return _cvtsh_ss(static_cast<const uint16_t*>(row)[j]);
  else {
    const uint32_t b = static_cast<uint32_t>(static_cast<const uint16_t*>(row)[j]) << 16;
    float f;
    std::memcpy(&f, &b, 4);
    return f;
  }
}

template <DType T, int R>
inline void dotf_row(const void* wr, const float* x, int64_t k, float* out) {
  __m256 acc[R];
  for (int i = 0; i < R; ++i) acc[i] = _mm256_setzero_ps();
  int64_t j = 0;
  for (; j + 8 <= k; j += 8) {
    const __m256 wv = load_wf<T>(wr, j);
    for (int i = 0; i < R; ++i) acc[i] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x + i * k + j), acc[i]);
  }
  for (int i = 0; i < R; ++i) {
    float s = hsum256(acc[i]);
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

}  // namespace

RowsFn rows_fn_avx2(DType t) {
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
RowsFn rows_fn_avx2(DType) { return nullptr; }
}  // namespace hetspec::detail
#endif
