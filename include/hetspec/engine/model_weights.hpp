// The weights of a Llama-family decoder as non-owning views (into a memory-mapped GGUF file or a
// test's buffers). The forward pass reads only this struct, so where the bytes live (mmap, test
// vectors, later an OpenCL upload) does not matter to it. Small vectors (norms, biases, rope
// factors) are f32 pointers; big matrices are WeightViews in their stored dtype. A draft's LM head
// may cover a vocabulary subset: then logits have n_logits = n_sub columns, column j being token
// head_token_ids[j].
#pragma once
#include <cstdint>
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
  WeightView token_embd;               // (vocab, d)  a borrowing draft's: its target's
  const float* output_norm = nullptr;  // (d)
  WeightView output;                   // (n_logits, d) == token_embd when tied; (n_sub, d) over a vocabulary subset
  std::vector<int32_t> head_token_ids; // (n_sub) token id of each output row; empty: row r is token r
  const float* rope_freqs = nullptr;   // (head_dim/2) Llama-3 per-dimension divisors, optional
  WeightView fc;                       // (d, 2d) a feature-reading draft's input projection (spec.reads_features)
  std::vector<LayerWeights> layers;    // n_layers
};

// Checks every view's shape and dtype against the spec; where names the file in messages.
void validate_weights(const ModelWeights& w, const std::string& where);

// A head over a vocabulary subset: rows `ids` of `w` copied into `out` (a quantised row is whole
// blocks, so a row is a byte copy). Returns the view of `out`: (ids.size(), w.cols) in w.dtype.
WeightView gather_rows(const WeightView& w, const std::vector<int32_t>& ids, std::vector<uint8_t>& out);

}  // namespace hetspec
