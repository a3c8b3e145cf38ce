// AVX-512 versions of the bandwidth-heavy ops (rmsnorm, f16 attention scores / values); the rest
// of the AVX-512 path's table comes from the AVX2 path (short vectors, no gain from 512 bits).
#if defined(__x86_64__)
// GCC 12 warns falsely about the undefined-register idiom inside its own AVX-512 headers.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <cmath>

#include "ops_internal.hpp"

namespace hetspec::detail {

namespace {

inline __mmask16 tail_mask(int64_t left) { return static_cast<__mmask16>(left >= 16 ? 0xffff : (1u << left) - 1); }

void rmsnorm(const float* x, const float* w, float* y, int64_t rows, int64_t d, float eps) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * d;
    float* yr = y + r * d;
    __m512 acc = _mm512_setzero_ps();
    for (int64_t j = 0; j < d; j += 16) {
      const __m512 u = _mm512_maskz_loadu_ps(tail_mask(d - j), xr + j);
      acc = _mm512_fmadd_ps(u, u, acc);
    }
    const float inv = 1.0f / std::sqrt(_mm512_reduce_add_ps(acc) / static_cast<float>(d) + eps);
    const __m512 iv = _mm512_set1_ps(inv);
    for (int64_t j = 0; j < d; j += 16) {
      const __mmask16 mk = tail_mask(d - j);
      const __m512 u = _mm512_mul_ps(_mm512_maskz_loadu_ps(mk, xr + j), iv);
      _mm512_mask_storeu_ps(yr + j, mk, _mm512_mul_ps(u, _mm512_maskz_loadu_ps(mk, w + j)));
    }
  }
}

// Four keys per step: four accumulators, then one shared reduction tree (512 -> 256 bits, two
// rounds of horizontal adds) gives the four scores, instead of a full horizontal sum per key.
void attn_scores(const float* q, const uint16_t* k, int64_t ks, int64_t nk, int64_t d, float scale, float* s) {
  int64_t j = 0;
  for (; j + 4 <= nk; j += 4) {
    __m512 a[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    for (int64_t t = 0; t < d; t += 16) {
      const __mmask16 mk = tail_mask(d - t);
      const __m512 qv = _mm512_maskz_loadu_ps(mk, q + t);
      for (int u = 0; u < 4; ++u)
        a[u] = _mm512_fmadd_ps(qv, _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mk, k + (j + u) * ks + t)), a[u]);
    }
    __m256 h[4];
    for (int u = 0; u < 4; ++u)
      h[u] = _mm256_add_ps(_mm512_castps512_ps256(a[u]), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a[u]), 1)));
    const __m256 t = _mm256_hadd_ps(_mm256_hadd_ps(h[0], h[1]), _mm256_hadd_ps(h[2], h[3]));
    const __m128 r = _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));  // (s0, s1, s2, s3)
    _mm_storeu_ps(s + j, _mm_mul_ps(r, _mm_set1_ps(scale)));
  }
  for (; j < nk; ++j) {
    const uint16_t* kj = k + j * ks;
    __m512 acc = _mm512_setzero_ps();
    for (int64_t t = 0; t < d; t += 16) {
      const __mmask16 mk = tail_mask(d - t);
      acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, q + t), _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mk, kj + t)), acc);
    }
    s[j] = _mm512_reduce_add_ps(acc) * scale;
  }
}

// Columns in blocks of up to 64 (four accumulators), each block one pass over all keys.
void attn_values(const float* p, const uint16_t* v, int64_t vs, int64_t nk, int64_t d, float* out) {
  for (int64_t t0 = 0; t0 < d; t0 += 64) {
    __mmask16 mk[4];
    __m512 a[4];
    for (int u = 0; u < 4; ++u) {
      const int64_t left = d - t0 - 16 * u;
      mk[u] = left > 0 ? tail_mask(left) : 0;
      a[u] = _mm512_setzero_ps();
    }
    for (int64_t j = 0; j < nk; ++j) {
      const __m512 pj = _mm512_set1_ps(p[j]);
      const uint16_t* vj = v + j * vs + t0;
      for (int u = 0; u < 4; ++u)
        if (mk[u]) a[u] = _mm512_fmadd_ps(pj, _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mk[u], vj + 16 * u)), a[u]);
    }
    for (int u = 0; u < 4; ++u)
      if (mk[u]) _mm512_mask_storeu_ps(out + t0 + 16 * u, mk[u], a[u]);
  }
}

}  // namespace

CpuOps ops_avx512() {
  CpuOps o = ops_avx2();
  o.rmsnorm = rmsnorm;
  o.attn_scores_f16 = attn_scores;
  o.attn_values_f16 = attn_values;
  return o;
}

}  // namespace hetspec::detail

#else
#include "ops_internal.hpp"
namespace hetspec::detail {
CpuOps ops_avx512() { return CpuOps{}; }
}  // namespace hetspec::detail
#endif
