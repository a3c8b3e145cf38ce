// AVX-512 ops (all but add and f32_to_f16, taken from the AVX2 table) that round exactly as llama.cpp's CPU backend does on an AVX-512 machine (ggml-cpu
// built with -march=native by llama-cpp-python; read from its ops.cpp, vec.h/vec.cpp,
// simd-mappings.h and llamafile/sgemm.cpp), so the SmolLM2 forward reproduces llama.cpp's logits
// bit for bit instead of to ~1e-5 — over 30 layers a 1-ulp difference can flip an 8-bit activation
// rounding and then a greedy near-tie:
// - rmsnorm: Σ x² in double (each x·x rounded in f32), scale = 1/sqrtf(mean + eps), (x·scale)·w.
// - softmax: ggml_v_expf (AVX-512 polynomial + scalef) per 16 values, Σ in double of each 16-lane
//   _mm512_reduce_add_ps, then x · (float)(1/Σ).
// - silu·up: ggml_v_silu = x / (1 + ggml_v_expf(0 - x)), times up.
// - attention, one query (ggml_vec_dot_f16, GGML_F16_STEP 64): four 16-lane accumulators per 64
//   values, index j in accumulator (j/16)%4, lane j%16; reduced (a0+a2)+(a1+a3) then
//   _mm512_reduce_add_ps. The values' dot runs over keys (llama.cpp's V cache is transposed).
// - attention, several queries (tinyBLAS, KN = 16): one 16-lane FMA chain per output, then
//   _mm512_reduce_add_ps.
// Keys beyond n_keys (llama.cpp pads the KV view to 256 cells, masked to weight 0) only add exact
// zeros, so they are left out.
#if defined(__x86_64__)
#if !defined(__clang__)  // a GCC-only warning
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <cmath>
#include <vector>

#include "ops_internal.hpp"

namespace hetspec::detail {

namespace {

inline __mmask16 tail_mask(int64_t left) { return static_cast<__mmask16>(left >= 16 ? 0xffff : (1u << left) - 1); }

// ggml_v_expf (vec.h, AVX512F + AVX512DQ).
inline __m512 v_expf(__m512 x) {
  const __m512 r = _mm512_set1_ps(0x1.8p23f);
  const __m512 z = _mm512_fmadd_ps(x, _mm512_set1_ps(0x1.715476p+0f), r);
  const __m512 n = _mm512_sub_ps(z, r);
  const __m512 b = _mm512_fnmadd_ps(n, _mm512_set1_ps(0x1.7f7d1cp-20f), _mm512_fnmadd_ps(n, _mm512_set1_ps(0x1.62e4p-1f), x));
  const __mmask16 d = _mm512_cmp_ps_mask(_mm512_abs_ps(n), _mm512_set1_ps(192), _CMP_GT_OQ);
  const __m512 u = _mm512_mul_ps(b, b);
  const __m512 j = _mm512_fmadd_ps(
      _mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_set1_ps(0x1.0e4020p-7f), b, _mm512_set1_ps(0x1.573e2ep-5f)), u,
                      _mm512_fmadd_ps(_mm512_set1_ps(0x1.555e66p-3f), b, _mm512_set1_ps(0x1.fffdb6p-2f))),
      u, _mm512_fmadd_ps(_mm512_set1_ps(0x1.ffffecp-1f), b, _mm512_set1_ps(1.0F)));
  const __m512 res = _mm512_scalef_ps(j, n);
  if (_mm512_kortestz(d, d)) return res;
  const __m512 zero = _mm512_setzero_ps();
  const __m512 alt = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(n, zero, _CMP_LE_OQ), _mm512_set1_ps(INFINITY), zero);
  return _mm512_mask_blend_ps(d, res, alt);
}

void rmsnorm(const float* x, const float* w, float* y, int64_t rows, int64_t d, float eps) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * d;
    float* yr = y + r * d;
    double sum = 0.0;
    for (int64_t j = 0; j < d; ++j) {
      const float sq = xr[j] * xr[j];
      sum += static_cast<double>(sq);
    }
    const float mean = static_cast<float>(sum / static_cast<double>(d));
    const float scale = 1.0f / std::sqrt(mean + eps);
    const __m512 sv = _mm512_set1_ps(scale);
    for (int64_t j = 0; j < d; j += 16) {
      const __mmask16 mk = tail_mask(d - j);
      const __m512 u = _mm512_mul_ps(_mm512_maskz_loadu_ps(mk, xr + j), sv);
      _mm512_mask_storeu_ps(yr + j, mk, _mm512_mul_ps(u, _mm512_maskz_loadu_ps(mk, w + j)));
    }
  }
}

void softmax(float* x, int64_t n) {
  if (n <= 0) return;
  // The maximum 16 lanes at a time (exact: the same value as a scalar scan of NaN-free input).
  __m512 vm = _mm512_set1_ps(-INFINITY);
  for (int64_t j = 0; j < n; j += 16) vm = _mm512_max_ps(vm, _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), tail_mask(n - j), x + j));
  const float mx = _mm512_reduce_max_ps(vm);
  const __m512 m = _mm512_set1_ps(mx);
  double sum = 0.0;
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 mk = tail_mask(n - i);
    // Lanes past n hold 0 (llama.cpp's masked, padded cells: exp(-inf) = 0).
    const __m512 e = _mm512_maskz_mov_ps(mk, v_expf(_mm512_sub_ps(_mm512_maskz_loadu_ps(mk, x + i), m)));
    _mm512_mask_storeu_ps(x + i, mk, e);
    sum += static_cast<double>(_mm512_reduce_add_ps(e));
  }
  const __m512 iv = _mm512_set1_ps(static_cast<float>(1.0 / sum));
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 mk = tail_mask(n - i);
    _mm512_mask_storeu_ps(x + i, mk, _mm512_mul_ps(_mm512_maskz_loadu_ps(mk, x + i), iv));
  }
}

void silu_mul(const float* g, const float* u, float* y, int64_t n) {
  const __m512 one = _mm512_set1_ps(1.0f), zero = _mm512_setzero_ps();
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 mk = tail_mask(n - i);
    const __m512 x = _mm512_maskz_loadu_ps(mk, g + i);
    const __m512 s = _mm512_div_ps(x, _mm512_add_ps(one, v_expf(_mm512_sub_ps(zero, x))));
    _mm512_mask_storeu_ps(y + i, mk, _mm512_mul_ps(s, _mm512_maskz_loadu_ps(mk, u + i)));
  }
}

inline __m512 ld_f16(const uint16_t* p, __mmask16 mk) { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mk, p)); }

// ggml_vec_dot_f16 on AVX-512 for one q·k: 64 values per step in four accumulators, f64 leftovers.
inline float dot_f16_vec(const float* q, const uint16_t* k, int64_t d) {
  const int64_t np = d & ~int64_t(63);
  __m512 a[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
  for (int64_t i = 0; i < np; i += 64)
    for (int u = 0; u < 4; ++u)
      a[u] = _mm512_fmadd_ps(ld_f16(k + i + 16 * u, 0xffff), _mm512_loadu_ps(q + i + 16 * u), a[u]);
  a[0] = _mm512_add_ps(a[0], a[2]);
  a[1] = _mm512_add_ps(a[1], a[3]);
  a[0] = _mm512_add_ps(a[0], a[1]);
  double s = static_cast<double>(_mm512_reduce_add_ps(a[0]));
  for (int64_t i = np; i < d; ++i) s += static_cast<double>(q[i] * _cvtsh_ss(k[i]));
  return static_cast<float>(s);
}

void attn_scores(const float* q, const uint16_t* k, int64_t ks, int64_t nk, int64_t d, float scale, float* s) {
  for (int64_t j = 0; j < nk; ++j) s[j] = dot_f16_vec(q, k + j * ks, d) * scale;
}

// tinyBLAS<16, __m512, __m512, ggml_fp16_t, ggml_fp16_t, float>: one FMA chain per output.
void attn_scores_batch(const float* q, const uint16_t* k, int64_t ks, int64_t nk, int64_t d, float scale, float* s) {
  if (d % 16) return attn_scores(q, k, ks, nk, d, scale, s);  // tinyBLAS declines; ggml falls back to vec_dot
  for (int64_t j = 0; j < nk; ++j) {
    const uint16_t* kj = k + j * ks;
    __m512 acc = _mm512_setzero_ps();
    for (int64_t t = 0; t < d; t += 16) {
      const __mmask16 mk = tail_mask(d - t);
      acc = _mm512_fmadd_ps(ld_f16(kj + t, mk), _mm512_maskz_loadu_ps(mk, q + t), acc);
    }
    s[j] = _mm512_reduce_add_ps(acc) * scale;
  }
}

// _mm512_reduce_add_ps's tree (GCC: halves, quarters, then pairs) applied lane-wise to 16 vectors
// r[0..15] (one per lane of the reduced register), giving one result per column.
inline __m512 reduce16(__m512* r) {
  for (int i = 0; i < 8; ++i) r[i] = _mm512_add_ps(r[8 + i], r[i]);
  for (int i = 0; i < 4; ++i) r[i] = _mm512_add_ps(r[4 + i], r[i]);
  r[0] = _mm512_add_ps(r[0], r[2]);
  r[1] = _mm512_add_ps(r[1], r[3]);
  return _mm512_add_ps(r[0], r[1]);
}

// out[t] = dot over keys of (v[j][t], p[j]) in ggml_vec_dot_f16's order, 16 columns at a time:
// part[l] holds accumulator-lane l = j % 64 for the 16 columns.
void attn_values(const float* p, const uint16_t* v, int64_t vs, int64_t nk, int64_t d, float* out) {
  for (int64_t t = 0; t < d; t += 16) {
    const __mmask16 mk = tail_mask(d - t);
    __m512 part[64];
    for (int l = 0; l < 64; ++l) part[l] = _mm512_setzero_ps();
    for (int64_t j = 0; j < nk; ++j)
      part[j & 63] = _mm512_fmadd_ps(ld_f16(v + j * vs + t, mk), _mm512_set1_ps(p[j]), part[j & 63]);
    __m512 r[16];
    for (int l = 0; l < 16; ++l)
      r[l] = _mm512_add_ps(_mm512_add_ps(part[l], part[32 + l]), _mm512_add_ps(part[16 + l], part[48 + l]));
    _mm512_mask_storeu_ps(out + t, mk, reduce16(r));
  }
}

// tinyBLAS order for the values: per column one 16-lane chain over keys (lane j % 16).
void attn_values_batch(const float* p, const uint16_t* v, int64_t vs, int64_t nk, int64_t d, float* out) {
  for (int64_t t = 0; t < d; t += 16) {
    const __mmask16 mk = tail_mask(d - t);
    __m512 part[16];
    for (int l = 0; l < 16; ++l) part[l] = _mm512_setzero_ps();
    for (int64_t j = 0; j < nk; ++j)
      part[j & 15] = _mm512_fmadd_ps(ld_f16(v + j * vs + t, mk), _mm512_set1_ps(p[j]), part[j & 15]);
    _mm512_mask_storeu_ps(out + t, mk, reduce16(part));
  }
}

}  // namespace

CpuOps ops_avx512() {
  CpuOps o = ops_avx2();  // add, f32_to_f16 (short vectors, no gain from 512 bits)
  o.rmsnorm = rmsnorm;
  o.softmax = softmax;
  o.silu_mul = silu_mul;
  o.attn_scores_f16 = attn_scores;
  o.attn_values_f16 = attn_values;
  o.attn_scores_f16_batch = attn_scores_batch;
  o.attn_values_f16_batch = attn_values_batch;
  return o;
}

}  // namespace hetspec::detail

#else
#include "ops_internal.hpp"
namespace hetspec::detail {
CpuOps ops_avx512() { return CpuOps{}; }
}  // namespace hetspec::detail
#endif
