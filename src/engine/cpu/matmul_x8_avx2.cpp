// AVX2 kernels for weights in the X8 layout (include/hetspec/engine/cpu/repack.hpp): one 32-byte
// vector holds 4 quant bytes of each of 8 rows, so every instruction works for 8 rows at once.
// Per block and activation row: the activation's 4-byte pieces are broadcast to all 8 lanes,
// VPMADDUBSW multiplies them with the rows' unsigned nibbles (Q4) or |w| with sign-adjusted x (Q8_0),
// the products stay in i16 over the block (Q4: 8 x 3810 < 2^15) or i32 (Q8_0), then one VPMADDWD,
// one convert and one FMA with the 8 rows' scales, and (Q4) one FMA for the offset term
// c_w · s_x (matmul_internal.hpp). Lane r of the accumulator is row r's output: no horizontal sums.
// Each unpacked block serves up to 4 activation rows. The AVX2 path (the AVX-512 path runs matmul_x8_avx512.cpp, equal bit for bit).
#if defined(__x86_64__)
#include <immintrin.h>

#include <cstring>

#include "hetspec/engine/cpu/quant_blocks.hpp"
#include "hetspec/engine/cpu/repack.hpp"
#include "matmul_internal.hpp"

namespace hetspec::detail {

namespace {

// From kRolledFrom<T> activation rows on, the chunk loop stays a loop: GCC 12 unrolls it otherwise,
// hoists every VPMADDUBSW of the block ahead of the adds and spills them to the stack (4 rows of Q4_1:
// 16 ymm stores and reloads per block). bench_matmul, 1 thread, AMD EPYC Zen 3 (AVX2 only), minimum of
// 12 interleaved runs, us: Q4_1 smollm2_gate m = 3 / 4 / 8: 47.7 / 60.9 / 123 unrolled, 41.6 / 58.0 /
// 110 rolled; Q8_0 (four i32 accumulators, fewer live registers) gains only from 4 rows on. With fewer
// rows the unrolled block fits the 16 registers and is as fast or faster (m = 1 either way).
template <DType T>
constexpr int kRolledFrom = T == DType::Q8_0 ? 4 : 3;

// chunk(c) for c = 0..N-1, as a loop the compiler keeps rolled, or fully unrolled.
template <int N, bool Rolled, typename F>
inline void for_chunks(F&& chunk) {
  if constexpr (Rolled) {
#pragma GCC unroll 1
    for (int c = 0; c < N; ++c) chunk(c);
  } else {
    for (int c = 0; c < N; ++c) chunk(c);
  }
}

inline __m256i bcast32(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

// One group of 8 rows (nb X8 blocks from grp) against R activation rows: out[i][r] for row r
// (rows_x8_driver's Dot).
template <DType T, int R>
struct GroupDot {
  static void run(const uint8_t* grp, int64_t nb, const int8_t* const* xs, const float* const* xds, float (*out)[8],
                  const uint8_t* end) {
    constexpr int64_t BB = kX8Rows * quant_block_bytes<T>();  // bytes of one X8 block
    __m256 acc[R];
    for (int i = 0; i < R; ++i) acc[i] = _mm256_setzero_ps();
    const __m256i ones = _mm256_set1_epi16(1);
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    for (int64_t b = 0; b < nb; ++b) {
      const uint8_t* blk = grp + b * BB;
      prefetch_range(blk + kPrefetchAhead, BB, end);
      const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blk)));  // (8) row scales
      __m256i dot[R];
      if constexpr (T == DType::Q8_0) {
        const uint8_t* q = blk + 16;
        for (int i = 0; i < R; ++i) dot[i] = _mm256_setzero_si256();
        const auto chunk = [&](int c) {
          const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + 32 * c));
          const __m256i aw = _mm256_sign_epi8(w, w);
          for (int i = 0; i < R; ++i) {
            const __m256i xv = _mm256_sign_epi8(bcast32(xs[i] + b * QK + 4 * c), w);
            dot[i] = _mm256_add_epi32(dot[i], _mm256_madd_epi16(_mm256_maddubs_epi16(aw, xv), ones));
          }
        };
        for_chunks<8, (R >= kRolledFrom<T>)>(chunk);
      } else {
        const uint8_t* q = blk + (T == DType::Q4_1 ? 32 : 16);
        for (int i = 0; i < R; ++i) dot[i] = _mm256_setzero_si256();
        const auto chunk = [&](int c) {
          const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + 32 * c));
          const __m256i lo = _mm256_and_si256(v, low4), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
          for (int i = 0; i < R; ++i) {
            const int8_t* xb = xs[i] + b * QK + 4 * c;
            dot[i] = _mm256_add_epi16(dot[i], _mm256_add_epi16(_mm256_maddubs_epi16(lo, bcast32(xb)),
                                                               _mm256_maddubs_epi16(hi, bcast32(xb + 16))));
          }
        };
        for_chunks<4, (R >= kRolledFrom<T>)>(chunk);
        for (int i = 0; i < R; ++i) dot[i] = _mm256_madd_epi16(dot[i], ones);
      }
      __m256 cw;  // (8) offset c_w: m (Q4_1), -8 d (Q4_0)
      if constexpr (T == DType::Q4_1) cw = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + 16)));
      else if constexpr (T == DType::Q4_0) cw = _mm256_mul_ps(dw, _mm256_set1_ps(-8.0f));
      for (int i = 0; i < R; ++i) {
        const float* xd = xds[i] + 2 * b;  // (d_x, s_x)
        acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot[i]), _mm256_mul_ps(dw, _mm256_set1_ps(xd[0])), acc[i]);
        if constexpr (T != DType::Q8_0) acc[i] = _mm256_fmadd_ps(cw, _mm256_set1_ps(xd[1]), acc[i]);
      }
    }
    for (int i = 0; i < R; ++i) _mm256_storeu_ps(out[i], acc[i]);
  }
};

template <DType T>
void rows_x8(const WeightView& w, const float*, const QuantX& xq, float* y, int64_t m, int64_t r0, int64_t r1) {
  rows_x8_driver<T, GroupDot>(w, xq, y, m, r0, r1);
}

}  // namespace

RowsFn rows_fn_x8_avx2(DType t) {
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
RowsFn rows_fn_x8_avx2(DType) { return nullptr; }
}  // namespace hetspec::detail
#endif
