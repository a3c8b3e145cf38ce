#include "hetspec/engine/rope.hpp"

#include <cmath>

#include "hetspec/core/error.hpp"

namespace hetspec {

RopeMode rope_mode_for_arch(const std::string& arch) {
  if (arch == "llama") return RopeMode::Normal;
  if (arch == "qwen2") return RopeMode::NeoX;
  throw Error("rope", "unknown architecture '" + arch + "' (llama, qwen2)");
}

Rope::Rope(const ModelSpec& spec, const float* rope_freqs)
    : mode(rope_mode_for_arch(spec.arch)), head_dim(spec.head_dim), theta_base(float(spec.rope_theta)) {
  check(head_dim > 0 && head_dim % 2 == 0, "rope", "head_dim must be even, got " + std::to_string(head_dim));
  if (rope_freqs) freq_factors.assign(rope_freqs, rope_freqs + head_dim / 2);
  else if (spec.rope_scaling.factor > 0)
    freq_factors = llama3_rope_freq_factors(head_dim, spec.rope_theta, spec.rope_scaling.factor,
                                            spec.rope_scaling.low_freq_factor, spec.rope_scaling.high_freq_factor,
                                            spec.rope_scaling.original_context);
  else freq_factors.assign(size_t(head_dim / 2), 1.0f);
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
