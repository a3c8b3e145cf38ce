// AVX-512 VNNI kernels for weights in the X8 layout (include/hetspec/engine/cpu/repack.hpp): why a
// second x86 X8 kernel. Verifying γ + 1 tokens on a CPU is compute-bound per token (issue 12: T(8)/T(1)
// of 2.8-4.4 for a DRAM-resident 1B model with the AVX2 kernel), so what matters is instructions per
// weight byte and activation row. Here one 64-byte vector holds the same chunk of two neighbouring
// groups of 8 rows (16 rows), VPDPBUSD does the u8 × s8 multiply-add into i32 in one instruction
// (AVX2: VPMADDUBSW, VPADDW and, per block, VPMADDWD), and each unpacked block serves up to 8
// activation rows: about 2.5× fewer instructions per (row, token) than matmul_x8_avx2.cpp.
// The integer dot per block is exact in both kernels and the float steps per lane are the same
// (convert, d_w·d_x, FMA, then the offset FMA c_w·s_x), so the outputs equal the AVX2 kernel's bit
// for bit (tests/engine/cpu/test_matmul.cpp checks it). Q8_0 has no VPSIGNB at 512 bits: |w| with
// VPABSB and x negated under the mask of w < 0 (activations are in [-127, 127], so that is exact).
// A lone group at the end of a range (or a range that starts inside a group) goes to the AVX2 kernel.
#if defined(__x86_64__)
// GCC 12 warns falsely about the undefined-register idiom inside its own AVX-512 headers.
#if !defined(__clang__)  // a GCC-only warning
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "hetspec/engine/cpu/quant_blocks.hpp"
#include "hetspec/engine/cpu/repack.hpp"
#include "matmul_internal.hpp"

namespace hetspec::detail {

namespace {

constexpr int kMaxR = 8;  // activation rows per pass over a pair of groups

inline __m512i bcast32(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}
// The 32 bytes at a (group A: lanes 0-7) and at b (group B: lanes 8-15).
inline __m512i load_pair(const uint8_t* a, const uint8_t* b) {
  return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a))),
                            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b)), 1);
}
// 8 f16 at a and 8 at b as 16 f32 (lanes 0-7, 8-15).
inline __m512 halves_pair(const uint8_t* a, const uint8_t* b) {
  const __m256i h = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a))),
                                            _mm_loadu_si128(reinterpret_cast<const __m128i*>(b)), 1);
  return _mm512_cvtph_ps(h);
}

// Two groups of 8 rows (ga, gb: nb X8 blocks each) against R activation rows: out[i][0..7] rows of
// group A, out[i][8..15] rows of group B.
template <DType T, int R>
void pair_dot(const uint8_t* ga, const uint8_t* gb, int64_t nb, const int8_t* const* xs, const float* const* xds,
              float (*out)[16], const uint8_t* end) {
  const int64_t gbytes = gb - ga;  // one group (B follows A)
  constexpr int64_t BB = kX8Rows * quant_block_bytes<T>();  // bytes of one X8 block
  __m512 acc[R];
  for (int i = 0; i < R; ++i) acc[i] = _mm512_setzero_ps();
  const __m512i low4 = _mm512_set1_epi8(0x0f);
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* ba = ga + b * BB;
    const uint8_t* bb = gb + b * BB;
    // Each stream prefetches what it reads kPrefetchAhead bytes later: past its group's end, that is
    // the same group of the next pair, 2 groups on (the AVX2 kernel's one stream just runs on). Without
    // that skip a cold Q4_1 GEMV ran at 0.7-0.8 of the AVX2 kernel's speed; with it, at parity.
    const int64_t ahead = b * BB + kPrefetchAhead;
    const int64_t skip = ahead >= gbytes ? gbytes : 0;
    prefetch_range(ga + ahead + skip, BB, end);
    prefetch_range(gb + ahead + skip, BB, end);
    const __m512 dw = halves_pair(ba, bb);  // (16) row scales
    __m512i dot[R];
    for (int i = 0; i < R; ++i) dot[i] = _mm512_setzero_si512();
    if constexpr (T == DType::Q8_0) {
      for (int c = 0; c < 8; ++c) {
        const __m512i w = load_pair(ba + 16 + 32 * c, bb + 16 + 32 * c);
        const __m512i aw = _mm512_abs_epi8(w);  // -128 -> 0x80 = 128 unsigned
        const __mmask64 neg = _mm512_movepi8_mask(w);
        for (int i = 0; i < R; ++i) {
          const __m512i xv = bcast32(xs[i] + b * QK + 4 * c);
          dot[i] = _mm512_dpbusd_epi32(dot[i], aw, _mm512_mask_sub_epi8(xv, neg, _mm512_setzero_si512(), xv));
        }
      }
    } else {
      constexpr int64_t qoff = T == DType::Q4_1 ? 32 : 16;
      for (int c = 0; c < 4; ++c) {
        const __m512i v = load_pair(ba + qoff + 32 * c, bb + qoff + 32 * c);
        const __m512i lo = _mm512_and_si512(v, low4), hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), low4);
        for (int i = 0; i < R; ++i) {
          const int8_t* xb = xs[i] + b * QK + 4 * c;
          dot[i] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(dot[i], lo, bcast32(xb)), hi, bcast32(xb + 16));
        }
      }
    }
    __m512 cw;  // (16) offset c_w: m (Q4_1), -8 d (Q4_0)
    if constexpr (T == DType::Q4_1) cw = halves_pair(ba + 16, bb + 16);
    else if constexpr (T == DType::Q4_0) cw = _mm512_mul_ps(dw, _mm512_set1_ps(-8.0f));
    for (int i = 0; i < R; ++i) {
      const float* xd = xds[i] + 2 * b;  // (d_x, s_x)
      acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot[i]), _mm512_mul_ps(dw, _mm512_set1_ps(xd[0])), acc[i]);
      if constexpr (T != DType::Q8_0) acc[i] = _mm512_fmadd_ps(cw, _mm512_set1_ps(xd[1]), acc[i]);
    }
  }
  for (int i = 0; i < R; ++i) _mm512_storeu_ps(out[i], acc[i]);
}

template <DType T>
void rows_x8(const WeightView& w, const float* x, const QuantX& xq, float* y, int64_t m, int64_t r0, int64_t r1) {
  constexpr int64_t kRows = kX8Rows;
  const int64_t n = w.rows, nb = xq.nb;
  const int64_t gbytes = nb * kRows * quant_block_bytes<T>();  // one group of 8 rows
  const auto* base = static_cast<const uint8_t*>(w.data);
  const uint8_t* end = base + (r1 + kRows - 1) / kRows * gbytes;
  const RowsFn avx2 = rows_fn_x8_avx2(T);
  int64_t r = r0;
  if (r % kRows != 0) {  // a range that starts inside a group: that group's rows by the AVX2 kernel
    const int64_t e = std::min(r1, (r / kRows + 1) * kRows);
    avx2(w, x, xq, y, m, r, e);
    r = e;
  }
  for (; r + kRows < r1; r += 2 * kRows) {  // groups g, g + 1 (the second may end past r1)
    const int64_t g = r / kRows;
    const int64_t hi = std::min<int64_t>(r1 - r, 2 * kRows);
    const uint8_t* ga = base + g * gbytes;
    for (int64_t i0 = 0; i0 < m; i0 += kMaxR) {
      const int R = static_cast<int>(m - i0 < kMaxR ? m - i0 : kMaxR);
      const int8_t* xs[kMaxR];
      const float* xds[kMaxR];
      activation_rows<T>(xq, i0, R, xs, xds);
      alignas(64) float out[kMaxR][16];
      switch (R) {
        case 1: pair_dot<T, 1>(ga, ga + gbytes, nb, xs, xds, out, end); break;
        case 2: pair_dot<T, 2>(ga, ga + gbytes, nb, xs, xds, out, end); break;
        case 3: pair_dot<T, 3>(ga, ga + gbytes, nb, xs, xds, out, end); break;
        case 4: pair_dot<T, 4>(ga, ga + gbytes, nb, xs, xds, out, end); break;
        case 5: pair_dot<T, 5>(ga, ga + gbytes, nb, xs, xds, out, end); break;
        case 6: pair_dot<T, 6>(ga, ga + gbytes, nb, xs, xds, out, end); break;
        case 7: pair_dot<T, 7>(ga, ga + gbytes, nb, xs, xds, out, end); break;
        default: pair_dot<T, 8>(ga, ga + gbytes, nb, xs, xds, out, end); break;
      }
      for (int i = 0; i < R; ++i)
        for (int64_t j = 0; j < hi; ++j) y[(i0 + i) * n + r + j] = out[i][j];
    }
  }
  if (r < r1) avx2(w, x, xq, y, m, r, r1);  // a lone last group
}

}  // namespace

RowsFn rows_fn_x8_avx512(DType t) {
  switch (t) {
    case DType::Q8_0: return rows_x8<DType::Q8_0>;
    case DType::Q4_0: return rows_x8<DType::Q4_0>;
    case DType::Q4_1: return rows_x8<DType::Q4_1>;
    default: return nullptr;
  }
}

}  // namespace hetspec::detail

#else
#include "matmul_internal.hpp"
namespace hetspec::detail {
RowsFn rows_fn_x8_avx512(DType) { return nullptr; }
}  // namespace hetspec::detail
#endif
