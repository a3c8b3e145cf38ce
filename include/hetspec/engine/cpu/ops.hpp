// The other hot CPU ops of a Llama-family forward pass (everything but the matmuls): RMSNorm,
// softmax, SwiGLU's silu(gate)·up, residual add, RoPE (llama "normal" adjacent pairs and NeoX
// half-split pairs, with a precomputed inverse-frequency table that already holds any Llama-3
// scaling), and attention over an f16 KV cache (q·k scores, probability-weighted sum of v).
// Each path (CpuPath) has its table of kernels; a path without its own version of an op uses the
// scalar one. The scalar table is the reference the vector paths are tested against.
#pragma once
#include <cstdint>
#include <vector>

#include "hetspec/engine/cpu/matmul.hpp"

namespace hetspec {

struct CpuOps {
  // y(rows, d) = x(rows, d) / sqrt(mean(x^2) + eps) * w(d). y may alias x.
  void (*rmsnorm)(const float* x, const float* w, float* y, int64_t rows, int64_t d, float eps);
  // x(n) = softmax(x), in place (max-subtracted).
  void (*softmax)(float* x, int64_t n);
  // y(n) = gate / (1 + exp(-gate)) * up. y may alias gate or up.
  void (*silu_mul)(const float* gate, const float* up, float* y, int64_t n);
  // y(n) = a + b. y may alias a or b.
  void (*add)(const float* a, const float* b, float* y, int64_t n);
  // scores(n_keys)[j] = scale * q(d) · k_j, k_j = k + j * k_stride (f16, d values).
  void (*attn_scores_f16)(const float* q, const uint16_t* k, int64_t k_stride, int64_t n_keys, int64_t d,
                          float scale, float* scores);
  // out(d) = Σ_j p[j] * v_j, v_j = v + j * v_stride (f16). Overwrites out.
  void (*attn_values_f16)(const float* p, const uint16_t* v, int64_t v_stride, int64_t n_keys, int64_t d, float* out);
  // y(n) = f16(x(n)), round to nearest even (KV cache writes).
  void (*f32_to_f16)(const float* x, uint16_t* y, int64_t n);
};

const CpuOps& cpu_ops(CpuPath p);  // that path's table (scalar entries where it has none)
const CpuOps& cpu_ops();           // best_cpu_path()'s table

enum class RopeMode { Normal, NeoX };  // Normal: pairs (2i, 2i+1) (GGUF llama); NeoX: (i, i + rot/2) (qwen2)

// inv_freq[i] = base^(-2i / rot_dim) / freq_factors[i] for i < rot_dim / 2 (freq_factors may be null:
// all 1; GGUF files of Llama 3.x carry them as rope_freqs.weight).
std::vector<float> rope_inv_freq(int64_t rot_dim, double base, const float* freq_factors = nullptr);

// Llama-3 rope scaling as frequency factors (what llama.cpp's converter stores in rope_freqs).
std::vector<float> llama3_rope_freq_factors(int64_t rot_dim, double base, double factor, double low_freq_factor,
                                            double high_freq_factor, int64_t original_context);

// Rotates the first rot_dim dims of each of `heads` heads of m tokens in place. Token t is at x + t *
// row_stride, head h at + h * head_dim; its position is pos[t].
void rope(float* x, int64_t m, int64_t row_stride, int64_t heads, int64_t head_dim, int64_t rot_dim,
          const int64_t* pos, const float* inv_freq, RopeMode mode);

}  // namespace hetspec
