// NEON versions of the hot ops for both aarch64 paths (baseline armv8: deliberately not named
// *_neon.cpp so it gets no armv8.2 flags): rmsnorm, silu·up and softmax (polynomial exp), add,
// f16 attention scores / weighted values, f32 -> f16.
#if defined(__aarch64__)
#include <arm_neon.h>

#include <cmath>
#include <cstring>

#include "ops_internal.hpp"

namespace hetspec::detail {

namespace {

inline float h2f(uint16_t h) {
  __fp16 v;
  std::memcpy(&v, &h, 2);
  return static_cast<float>(v);
}

inline float32x4_t exp4(float32x4_t x) {
  x = vminq_f32(vmaxq_f32(x, vdupq_n_f32(-87.0f)), vdupq_n_f32(88.3762626647949f));
  const float32x4_t n = vrndnq_f32(vmulq_n_f32(x, 1.44269504088896341f));
  float32x4_t r = vfmsq_f32(x, n, vdupq_n_f32(0.693359375f));
  r = vfmsq_f32(r, n, vdupq_n_f32(-2.12194440e-4f));
  float32x4_t p = vdupq_n_f32(1.9875691500E-4f);
  p = vfmaq_f32(vdupq_n_f32(1.3981999507E-3f), p, r);
  p = vfmaq_f32(vdupq_n_f32(8.3334519073E-3f), p, r);
  p = vfmaq_f32(vdupq_n_f32(4.1665795894E-2f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.6666665459E-1f), p, r);
  p = vfmaq_f32(vdupq_n_f32(5.0000001201E-1f), p, r);
  p = vfmaq_f32(vaddq_f32(r, vdupq_n_f32(1.0f)), p, vmulq_f32(r, r));
  const int32x4_t e = vshlq_n_s32(vaddq_s32(vcvtnq_s32_f32(n), vdupq_n_s32(127)), 23);
  return vmulq_f32(p, vreinterpretq_f32_s32(e));
}

inline float exp1(float x) { return vgetq_lane_f32(exp4(vdupq_n_f32(x)), 0); }

void rmsnorm(const float* x, const float* w, float* y, int64_t rows, int64_t d, float eps) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * d;
    float* yr = y + r * d;
    float32x4_t a0 = vdupq_n_f32(0), a1 = vdupq_n_f32(0);
    int64_t j = 0;
    for (; j + 8 <= d; j += 8) {
      const float32x4_t u = vld1q_f32(xr + j), v = vld1q_f32(xr + j + 4);
      a0 = vfmaq_f32(a0, u, u);
      a1 = vfmaq_f32(a1, v, v);
    }
    float ss = vaddvq_f32(vaddq_f32(a0, a1));
    for (; j < d; ++j) ss += xr[j] * xr[j];
    const float inv = 1.0f / std::sqrt(ss / static_cast<float>(d) + eps);
    j = 0;
    for (; j + 4 <= d; j += 4) vst1q_f32(yr + j, vmulq_f32(vmulq_n_f32(vld1q_f32(xr + j), inv), vld1q_f32(w + j)));
    for (; j < d; ++j) yr[j] = xr[j] * inv * w[j];
  }
}

void softmax(float* x, int64_t n) {
  if (n <= 0) return;
  // The maximum 4 lanes at a time (a scalar fmax chain costs more than the exp pass on a
  // vocabulary row); NaN-free inputs give the scalar reference's value.
  float32x4_t vm = vdupq_n_f32(-INFINITY);
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) vm = vmaxq_f32(vm, vld1q_f32(x + j));
  float mx = vmaxvq_f32(vm);
  for (; j < n; ++j) mx = std::fmax(mx, x[j]);
  float32x4_t acc = vdupq_n_f32(0);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float32x4_t e = exp4(vsubq_f32(vld1q_f32(x + i), vdupq_n_f32(mx)));
    vst1q_f32(x + i, e);
    acc = vaddq_f32(acc, e);
  }
  float sum = vaddvq_f32(acc);
  for (; i < n; ++i) { x[i] = exp1(x[i] - mx); sum += x[i]; }
  const float inv = 1.0f / sum;
  for (i = 0; i < n; ++i) x[i] *= inv;
}

void silu_mul(const float* g, const float* u, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float32x4_t gv = vld1q_f32(g + i);
    const float32x4_t e = exp4(vnegq_f32(gv));
    vst1q_f32(y + i, vmulq_f32(vdivq_f32(gv, vaddq_f32(vdupq_n_f32(1.0f), e)), vld1q_f32(u + i)));
  }
  for (; i < n; ++i) y[i] = g[i] / (1.0f + exp1(-g[i])) * u[i];
}

void add(const float* a, const float* b, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vaddq_f32(vld1q_f32(a + i), vld1q_f32(b + i)));
  for (; i < n; ++i) y[i] = a[i] + b[i];
}

inline float32x4_t ld_h4(const uint16_t* p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p))); }

void attn_scores(const float* q, const uint16_t* k, int64_t ks, int64_t nk, int64_t d, float scale, float* s) {
  for (int64_t j = 0; j < nk; ++j) {
    const uint16_t* kj = k + j * ks;
    float32x4_t a0 = vdupq_n_f32(0), a1 = vdupq_n_f32(0);
    int64_t t = 0;
    for (; t + 8 <= d; t += 8) {
      a0 = vfmaq_f32(a0, vld1q_f32(q + t), ld_h4(kj + t));
      a1 = vfmaq_f32(a1, vld1q_f32(q + t + 4), ld_h4(kj + t + 4));
    }
    float r = vaddvq_f32(vaddq_f32(a0, a1));
    for (; t < d; ++t) r += q[t] * h2f(kj[t]);
    s[j] = r * scale;
  }
}

void attn_values(const float* p, const uint16_t* v, int64_t vs, int64_t nk, int64_t d, float* out) {
  int64_t t = 0;
  for (; t + 8 <= d; t += 8) {
    float32x4_t a0 = vdupq_n_f32(0), a1 = vdupq_n_f32(0);
    for (int64_t j = 0; j < nk; ++j) {
      const uint16_t* vj = v + j * vs + t;
      a0 = vfmaq_n_f32(a0, ld_h4(vj), p[j]);
      a1 = vfmaq_n_f32(a1, ld_h4(vj + 4), p[j]);
    }
    vst1q_f32(out + t, a0);
    vst1q_f32(out + t + 4, a1);
  }
  for (; t < d; ++t) {
    float a = 0;
    for (int64_t j = 0; j < nk; ++j) a += p[j] * h2f(v[j * vs + t]);
    out[t] = a;
  }
}

void f32_to_f16(const float* x, uint16_t* y, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vst1_u16(y + i, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(x + i))));
  for (; i < n; ++i) {
    const __fp16 h = static_cast<__fp16>(x[i]);
    std::memcpy(y + i, &h, 2);
  }
}

}  // namespace

CpuOps ops_neon() { return CpuOps{rmsnorm, softmax, silu_mul, add, attn_scores, attn_values, f32_to_f16, nullptr, nullptr}; }

}  // namespace hetspec::detail

#else
#include "ops_internal.hpp"
namespace hetspec::detail {
CpuOps ops_neon() { return CpuOps{}; }
}  // namespace hetspec::detail
#endif
