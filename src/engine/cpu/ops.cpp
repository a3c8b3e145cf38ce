// Scalar reference ops, the per-path dispatch tables, and RoPE (scalar: it touches only
// heads·head_dim values per token and the sin/cos are shared by all heads).
#include "hetspec/engine/cpu/ops.hpp"

#include <cmath>

#include "hetspec/core/fp16.hpp"
#include "ops_internal.hpp"

namespace hetspec {

namespace {

void rmsnorm_s(const float* x, const float* w, float* y, int64_t rows, int64_t d, float eps) {
  for (int64_t r = 0; r < rows; ++r) {
    double ss = 0;
    for (int64_t j = 0; j < d; ++j) ss += double(x[r * d + j]) * x[r * d + j];
    const float inv = static_cast<float>(1.0 / std::sqrt(ss / static_cast<double>(d) + eps));
    for (int64_t j = 0; j < d; ++j) y[r * d + j] = x[r * d + j] * inv * w[j];
  }
}

void softmax_s(float* x, int64_t n) {
  if (n <= 0) return;
  float mx = x[0];
  for (int64_t i = 1; i < n; ++i) mx = std::fmax(mx, x[i]);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - mx);
    sum += x[i];
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

void silu_mul_s(const float* g, const float* u, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
}

void add_s(const float* a, const float* b, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
}

void attn_scores_s(const float* q, const uint16_t* k, int64_t ks, int64_t nk, int64_t d, float scale, float* s) {
  for (int64_t j = 0; j < nk; ++j) {
    double acc = 0;
    for (int64_t t = 0; t < d; ++t) acc += double(q[t]) * fp16_to_fp32(k[j * ks + t]);
    s[j] = static_cast<float>(acc) * scale;
  }
}

void attn_values_s(const float* p, const uint16_t* v, int64_t vs, int64_t nk, int64_t d, float* out) {
  for (int64_t t = 0; t < d; ++t) out[t] = 0;
  for (int64_t j = 0; j < nk; ++j)
    for (int64_t t = 0; t < d; ++t) out[t] += p[j] * fp16_to_fp32(v[j * vs + t]);
}

void f32_to_f16_s(const float* x, uint16_t* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = fp32_to_fp16(x[i]);
}

CpuOps merged(CpuOps o) {
  const CpuOps s = detail::ops_scalar();
  if (!o.rmsnorm) o.rmsnorm = s.rmsnorm;
  if (!o.softmax) o.softmax = s.softmax;
  if (!o.silu_mul) o.silu_mul = s.silu_mul;
  if (!o.add) o.add = s.add;
  if (!o.attn_scores_f16) o.attn_scores_f16 = s.attn_scores_f16;
  if (!o.attn_values_f16) o.attn_values_f16 = s.attn_values_f16;
  if (!o.f32_to_f16) o.f32_to_f16 = s.f32_to_f16;
  if (!o.attn_scores_f16_batch) o.attn_scores_f16_batch = o.attn_scores_f16;
  if (!o.attn_values_f16_batch) o.attn_values_f16_batch = o.attn_values_f16;
  return o;
}

}  // namespace

namespace detail {
CpuOps ops_scalar() {
  return CpuOps{rmsnorm_s, softmax_s, silu_mul_s, add_s, attn_scores_s, attn_values_s, f32_to_f16_s, nullptr, nullptr};
}
}  // namespace detail

const CpuOps& cpu_ops(CpuPath p) {
  // A path's table is only built when the CPU supports it (its file is compiled for that ISA).
  static const CpuOps scalar = merged(detail::ops_scalar());
  static const CpuOps avx2 = cpu_path_supported(CpuPath::AVX2) ? merged(detail::ops_avx2()) : scalar;
  static const CpuOps avx512 = cpu_path_supported(CpuPath::AVX512) ? merged(detail::ops_avx512()) : scalar;
  static const CpuOps neon = cpu_path_supported(CpuPath::NEON) ? merged(detail::ops_neon()) : scalar;
  switch (p) {
    case CpuPath::AVX2: return avx2;
    case CpuPath::AVX512: return avx512;
    case CpuPath::NEON: case CpuPath::NEONDot: return neon;
    default: return scalar;
  }
}

const CpuOps& cpu_ops() { return cpu_ops(best_cpu_path()); }

std::vector<float> rope_inv_freq(int64_t rot_dim, double base, const float* freq_factors) {
  std::vector<float> f(rot_dim / 2);
  for (int64_t i = 0; i < rot_dim / 2; ++i) {
    double v = std::pow(base, -2.0 * static_cast<double>(i) / static_cast<double>(rot_dim));
    if (freq_factors) v /= freq_factors[i];
    f[i] = static_cast<float>(v);
  }
  return f;
}

std::vector<float> llama3_rope_freq_factors(int64_t rot_dim, double base, double factor, double low_freq_factor,
                                            double high_freq_factor, int64_t original_context) {
  const double pi = 3.14159265358979323846;
  const double low_wavelen = static_cast<double>(original_context) / low_freq_factor;
  const double high_wavelen = static_cast<double>(original_context) / high_freq_factor;
  std::vector<float> out(rot_dim / 2);
  for (int64_t i = 0; i < rot_dim / 2; ++i) {
    const double freq = std::pow(base, -2.0 * static_cast<double>(i) / static_cast<double>(rot_dim));
    const double wavelen = 2 * pi / freq;
    double f;
    if (wavelen < high_wavelen) {
      f = 1.0;
    } else if (wavelen > low_wavelen) {
      f = factor;
    } else {
      const double smooth = (static_cast<double>(original_context) / wavelen - low_freq_factor) /
                            (high_freq_factor - low_freq_factor);
      f = 1.0 / ((1.0 - smooth) / factor + smooth);
    }
    out[i] = static_cast<float>(f);
  }
  return out;
}

void rope(float* x, int64_t m, int64_t row_stride, int64_t heads, int64_t head_dim, int64_t rot_dim,
          const int64_t* pos, const float* inv_freq, RopeMode mode) {
  const int64_t half = rot_dim / 2;
  std::vector<float> cs(half), sn(half);
  for (int64_t t = 0; t < m; ++t) {
    for (int64_t i = 0; i < half; ++i) {
      const double th = static_cast<double>(pos[t]) * inv_freq[i];
      cs[i] = static_cast<float>(std::cos(th));
      sn[i] = static_cast<float>(std::sin(th));
    }
    for (int64_t h = 0; h < heads; ++h) {
      float* v = x + t * row_stride + h * head_dim;
      for (int64_t i = 0; i < half; ++i) {
        const int64_t a = mode == RopeMode::Normal ? 2 * i : i;
        const int64_t b = mode == RopeMode::Normal ? 2 * i + 1 : i + half;
        const float x0 = v[a], x1 = v[b];
        v[a] = x0 * cs[i] - x1 * sn[i];
        v[b] = x0 * sn[i] + x1 * cs[i];
      }
    }
  }
}

}  // namespace hetspec
