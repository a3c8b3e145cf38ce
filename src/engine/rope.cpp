#include "hetspec/engine/rope.hpp"

#include <cmath>

#include "hetspec/core/error.hpp"

namespace hetspec {

RopeMode rope_mode_for_arch(const std::string& arch) {
  if (arch == "llama") return RopeMode::Normal;
  if (arch == "qwen2") return RopeMode::Neox;
  throw Error("rope", "unknown architecture '" + arch + "' (llama, qwen2)");
}

std::vector<float> llama3_rope_factors(const ModelSpec& spec) {
  int half = spec.head_dim / 2;
  std::vector<float> ff(size_t(half), 1.0f);
  const RopeScaling& rs = spec.rope_scaling;
  if (rs.factor <= 0) return ff;
  // convert_hf_to_gguf.py (LlamaModel): freqs in float32, the rest in Python doubles.
  double low_wavelen = rs.original_context / rs.low_freq_factor;
  double high_wavelen = rs.original_context / rs.high_freq_factor;
  for (int i = 0; i < half; ++i) {
    float freq = 1.0f / std::pow(float(spec.rope_theta), float(2 * i) / float(spec.head_dim));
    double wavelen = 2 * M_PI / double(freq);
    double f;
    if (wavelen < high_wavelen) f = 1;
    else if (wavelen > low_wavelen) f = rs.factor;
    else {
      double smooth = (rs.original_context / wavelen - rs.low_freq_factor) / (rs.high_freq_factor - rs.low_freq_factor);
      f = 1 / ((1 - smooth) / rs.factor + smooth);
    }
    ff[size_t(i)] = float(f);
  }
  return ff;
}

Rope::Rope(const ModelSpec& spec, const float* rope_freqs)
    : mode(rope_mode_for_arch(spec.arch)), head_dim(spec.head_dim), theta_base(float(spec.rope_theta)) {
  check(head_dim > 0 && head_dim % 2 == 0, "rope", "head_dim must be even, got " + std::to_string(head_dim));
  if (rope_freqs) freq_factors.assign(rope_freqs, rope_freqs + head_dim / 2);
  else freq_factors = llama3_rope_factors(spec);
}

void Rope::cos_sin(int pos, float* cs) const {
  // ggml_rope_cache_init: theta starts at p and is multiplied by theta_scale per pair, in float.
  const float theta_scale = std::pow(theta_base, -2.0f / float(head_dim));
  float theta = float(pos);
  for (int i = 0; i < head_dim / 2; ++i) {
    float t = theta / freq_factors[size_t(i)];
    cs[2 * i] = std::cos(t);
    cs[2 * i + 1] = std::sin(t);
    theta *= theta_scale;
  }
}

void Rope::apply(float* x, int n_heads, const float* cs) const {
  const int half = head_dim / 2;
  for (int h = 0; h < n_heads; ++h) {
    float* xh = x + size_t(h) * size_t(head_dim);  // (head_dim)
    for (int i = 0; i < half; ++i) {
      float c = cs[2 * i], s = cs[2 * i + 1];
      int a = mode == RopeMode::Normal ? 2 * i : i;
      int b = mode == RopeMode::Normal ? 2 * i + 1 : i + half;
      float x0 = xh[a], x1 = xh[b];
      xh[a] = x0 * c - x1 * s;
      xh[b] = x0 * s + x1 * c;
    }
  }
}

}  // namespace hetspec
