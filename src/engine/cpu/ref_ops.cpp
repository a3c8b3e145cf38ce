#include "hetspec/engine/cpu/ref_ops.hpp"

#include <cmath>
#include <vector>

#include "hetspec/core/fp16.hpp"

namespace hetspec::refops {

void rmsnorm(const float* x, const float* w, float* y, int64_t d, float eps) {
  double sum = 0;
  for (int64_t i = 0; i < d; ++i) sum += double(x[i]) * double(x[i]);
  const float mean = float(sum / double(d));
  const float scale = 1.0f / std::sqrt(mean + eps);
  for (int64_t i = 0; i < d; ++i) y[i] = (x[i] * scale) * w[i];
}

void softmax(float* x, int64_t n) {
  float mx = -INFINITY;
  for (int64_t i = 0; i < n; ++i) mx = std::fmax(mx, x[i]);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - mx);
    sum += x[i];
  }
  const float inv = float(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

void swiglu(const float* gate, const float* up, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    float g = gate[i];
    out[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

namespace {
const std::vector<float>& f16_table() {
  static const std::vector<float> table = [] {
    std::vector<float> t(65536);
    for (uint32_t i = 0; i < 65536; ++i) t[i] = fp16_to_fp32(uint16_t(i));
    return t;
  }();
  return table;
}
}  // namespace

float f16_to_f32(uint16_t h) { return f16_table()[h]; }

float dot_f32_f16(const float* q, const uint16_t* k, int64_t n) {
  const float* t = f16_table().data();
  float s = 0;
  for (int64_t i = 0; i < n; ++i) s += q[i] * t[k[i]];
  return s;
}

void axpy_f16(float a, const uint16_t* v, float* y, int64_t n) {
  const float* t = f16_table().data();
  for (int64_t i = 0; i < n; ++i) y[i] += a * t[v[i]];
}

}  // namespace hetspec::refops
