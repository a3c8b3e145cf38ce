// AVX2 + FMA + F16C versions of the hot ops: rmsnorm, softmax and silu·up (with a Cephes-style
// polynomial exp, ~2 ulp), add, f16 attention scores / weighted values, f32 -> f16.
#if defined(__x86_64__)
#include <immintrin.h>

#include <cmath>

#include "ops_internal.hpp"

namespace hetspec::detail {

namespace {

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// exp(x) for x clamped to [-87, 88.37]: 2^n · p(r), r = x - n·ln2.
inline __m256 exp256(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.0f)), _mm256_set1_ps(88.3762626647949f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500E-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507E-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073E-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894E-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459E-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201E-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

float exp_scalar(float x) {  // the same approximation for tails
  alignas(32) float v[8] = {x};
  _mm256_store_ps(v, exp256(_mm256_load_ps(v)));
  return v[0];
}

void rmsnorm(const float* x, const float* w, float* y, int64_t rows, int64_t d, float eps) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * d;
    float* yr = y + r * d;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int64_t j = 0;
    for (; j + 16 <= d; j += 16) {
      const __m256 u = _mm256_loadu_ps(xr + j), v = _mm256_loadu_ps(xr + j + 8);
      a0 = _mm256_fmadd_ps(u, u, a0);
      a1 = _mm256_fmadd_ps(v, v, a1);
    }
    float ss = hsum(_mm256_add_ps(a0, a1));
    for (; j < d; ++j) ss += xr[j] * xr[j];
    const float inv = 1.0f / std::sqrt(ss / static_cast<float>(d) + eps);
    const __m256 iv = _mm256_set1_ps(inv);
    j = 0;
    for (; j + 8 <= d; j += 8)
      _mm256_storeu_ps(yr + j, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(xr + j), iv), _mm256_loadu_ps(w + j)));
    for (; j < d; ++j) yr[j] = xr[j] * inv * w[j];
  }
}

void softmax(float* x, int64_t n) {
  if (n <= 0) return;
  // The maximum 8 lanes at a time (a scalar fmax chain cost more than the exp pass on a vocabulary
  // row); NaN-free inputs give the same value as the scalar reference.
  __m256 vm = _mm256_set1_ps(-INFINITY);
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) vm = _mm256_max_ps(vm, _mm256_loadu_ps(x + j));
  __m128 h = _mm_max_ps(_mm256_castps256_ps128(vm), _mm256_extractf128_ps(vm, 1));
  h = _mm_max_ps(h, _mm_movehl_ps(h, h));
  h = _mm_max_ss(h, _mm_movehdup_ps(h));
  float mx = _mm_cvtss_f32(h);
  for (; j < n; ++j) mx = std::fmax(mx, x[j]);
  const __m256 m = _mm256_set1_ps(mx);
  __m256 acc = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 e = exp256(_mm256_sub_ps(_mm256_loadu_ps(x + i), m));
    _mm256_storeu_ps(x + i, e);
    acc = _mm256_add_ps(acc, e);
  }
  float sum = hsum(acc);
  for (; i < n; ++i) { x[i] = exp_scalar(x[i] - mx); sum += x[i]; }
  const float inv = 1.0f / sum;
  const __m256 iv = _mm256_set1_ps(inv);
  i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), iv));
  for (; i < n; ++i) x[i] *= inv;
}

void silu_mul(const float* g, const float* u, float* y, int64_t n) {
  const __m256 one = _mm256_set1_ps(1.0f), neg = _mm256_set1_ps(-0.0f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 gv = _mm256_loadu_ps(g + i);
    const __m256 e = exp256(_mm256_xor_ps(gv, neg));
    _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_div_ps(gv, _mm256_add_ps(one, e)), _mm256_loadu_ps(u + i)));
  }
  for (; i < n; ++i) y[i] = g[i] / (1.0f + exp_scalar(-g[i])) * u[i];
}

void add(const float* a, const float* b, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
  for (; i < n; ++i) y[i] = a[i] + b[i];
}

void attn_scores(const float* q, const uint16_t* k, int64_t ks, int64_t nk, int64_t d, float scale, float* s) {
  for (int64_t j = 0; j < nk; ++j) {
    const uint16_t* kj = k + j * ks;
    __m256 acc = _mm256_setzero_ps();
    int64_t t = 0;
    for (; t + 8 <= d; t += 8)
      acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + t),
                            _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(kj + t))), acc);
    float r = hsum(acc);
    for (; t < d; ++t) r += q[t] * _cvtsh_ss(kj[t]);
    s[j] = r * scale;
  }
}

void attn_values(const float* p, const uint16_t* v, int64_t vs, int64_t nk, int64_t d, float* out) {
  int64_t t = 0;
  for (; t + 16 <= d; t += 16) {  // two column blocks at a time, all keys
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    for (int64_t j = 0; j < nk; ++j) {
      const __m256 pj = _mm256_broadcast_ss(p + j);
      const uint16_t* vj = v + j * vs + t;
      a0 = _mm256_fmadd_ps(pj, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(vj))), a0);
      a1 = _mm256_fmadd_ps(pj, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(vj + 8))), a1);
    }
    _mm256_storeu_ps(out + t, a0);
    _mm256_storeu_ps(out + t + 8, a1);
  }
  for (; t < d; ++t) {
    float a = 0;
    for (int64_t j = 0; j < nk; ++j) a += p[j] * _cvtsh_ss(v[j * vs + t]);
    out[t] = a;
  }
}

void f32_to_f16(const float* x, uint16_t* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
  for (; i < n; ++i) y[i] = _cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT);
}

}  // namespace

CpuOps ops_avx2() { return CpuOps{rmsnorm, softmax, silu_mul, add, attn_scores, attn_values, f32_to_f16, nullptr, nullptr}; }

}  // namespace hetspec::detail

#else
#include "ops_internal.hpp"
namespace hetspec::detail {
CpuOps ops_avx2() { return CpuOps{}; }
}  // namespace hetspec::detail
#endif
