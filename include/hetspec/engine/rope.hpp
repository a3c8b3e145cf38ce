// Rotary position embedding as llama.cpp computes it, so our logits track its rounding:
//   pair i (0 <= i < head_dim/2) at position p rotates by  theta = p * base^(-2i/head_dim) / ff[i]
// with theta accumulated in float the way ggml does. GGUF arch "llama" rotates adjacent pairs
// (x[2i], x[2i+1]) ("normal" mode); "qwen2" rotates (x[i], x[i + head_dim/2]) (NEOX mode).
// (The vectorized ops in cpu/ops.hpp compute theta in double; this keeps ggml's float rounding.)
// ff[i] are Llama-3 rope-scaling divisors: from the rope_freqs tensor when the file has one,
// else computed from the spec's rope_scaling as llama.cpp's converter does
// (llama3_rope_freq_factors in cpu/ops.hpp); 1 otherwise.
#pragma once
#include <string>
#include <vector>

#include "hetspec/engine/cpu/ops.hpp"  // RopeMode
#include "hetspec/model/model_spec.hpp"

namespace hetspec {

RopeMode rope_mode_for_arch(const std::string& arch);

struct Rope {
  RopeMode mode = RopeMode::Normal;
  int head_dim = 0;
  float theta_base = 10000;
  std::vector<float> freq_factors;  // (head_dim/2)

  Rope() = default;
  // rope_freqs: the file's (head_dim/2) divisors or nullptr (then computed from the spec).
  Rope(const ModelSpec& spec, const float* rope_freqs);
  // cos_sin: (head_dim/2, 2) interleaved cos, sin for position pos.
  void cos_sin(int pos, float* cos_sin) const;
  // Rotates n_heads heads of one token in place: x (n_heads, head_dim).
  void apply(float* x, int n_heads, const float* cos_sin) const;
};

}  // namespace hetspec
