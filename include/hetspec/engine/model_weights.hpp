// The weights of a Llama-family decoder as non-owning views (into a memory-mapped GGUF file or a
// test's buffers). The forward pass reads only this struct, so where the bytes live (mmap, test
// vectors, later an OpenCL upload) does not matter to it. Small vectors (norms, biases, rope
// factors) are f32 pointers; big matrices are WeightViews in their stored dtype.
#pragma once
#include <string>
#include <vector>

#include "hetspec/engine/weight_view.hpp"
#include "hetspec/model/model_spec.hpp"

namespace hetspec {

struct LayerWeights {
  const float* attn_norm = nullptr;  // (d)
  WeightView wq;                     // (q_dim, d)      q_dim = n_heads * head_dim
  WeightView wk;                     // (kv_dim, d)     kv_dim = n_kv_heads * head_dim
  WeightView wv;                     // (kv_dim, d)
  WeightView wo;                     // (d, q_dim)
  const float* bq = nullptr;         // (q_dim)   qwen2 only
  const float* bk = nullptr;         // (kv_dim)  qwen2 only
  const float* bv = nullptr;         // (kv_dim)  qwen2 only
  const float* ffn_norm = nullptr;   // (d)
  WeightView w_gate;                 // (f, d)
  WeightView w_up;                   // (f, d)
  WeightView w_down;                 // (d, f)
};

struct ModelWeights {
  ModelSpec spec;
  WeightView token_embd;               // (vocab, d)
  const float* output_norm = nullptr;  // (d)
  WeightView output;                   // (vocab, d) == token_embd when tied
  const float* rope_freqs = nullptr;   // (head_dim/2) Llama-3 per-dimension divisors, optional
  std::vector<LayerWeights> layers;    // n_layers
};

// Checks every view's shape and dtype against the spec; where names the file in messages.
void validate_weights(const ModelWeights& w, const std::string& where);

}  // namespace hetspec
