// AVX-512 versions of the bandwidth-heavy ops (rmsnorm, f16 attention scores / values); the rest
// of the AVX-512 path's table comes from the AVX2 path (short vectors, no gain from 512 bits).
#if defined(__x86_64__)
// GCC 12 warns falsely about the undefined-register idiom inside its own AVX-512 headers.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
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

void attn_scores(const float* q, const uint16_t* k, int64_t ks, int64_t nk, int64_t d, float scale, float* s) {
  for (int64_t j = 0; j < nk; ++j) {
    const uint16_t* kj = k + j * ks;
    __m512 acc = _mm512_setzero_ps();
    for (int64_t t = 0; t < d; t += 16) {
      const __mmask16 mk = tail_mask(d - t);
      acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, q + t), _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mk, kj + t)), acc);
    }
    s[j] = _mm512_reduce_add_ps(acc) * scale;
  }
}

void attn_values(const float* p, const uint16_t* v, int64_t vs, int64_t nk, int64_t d, float* out) {
  for (int64_t t = 0; t < d; t += 32) {  // two column blocks of 16 at a time, all keys
    const __mmask16 m0 = tail_mask(d - t), m1 = d - t > 16 ? tail_mask(d - t - 16) : 0;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    for (int64_t j = 0; j < nk; ++j) {
      const __m512 pj = _mm512_set1_ps(p[j]);
      const uint16_t* vj = v + j * vs + t;
      a0 = _mm512_fmadd_ps(pj, _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m0, vj)), a0);
      if (m1) a1 = _mm512_fmadd_ps(pj, _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m1, vj + 16)), a1);
    }
    _mm512_mask_storeu_ps(out + t, m0, a0);
    if (m1) _mm512_mask_storeu_ps(out + t + 16, m1, a1);
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
