// Architecture numbers of a Llama-family decoder: what the cost model needs to size every GEMM and
// the KV cache, and what the engine needs to build a forward pass. From configs/models/*.yaml or
// read from a GGUF header (model/gguf_spec.hpp).
#pragma once
#include <cstdint>
#include <string>

#include "hetspec/core/dtype.hpp"

namespace hetspec {

class YamlMap;

struct RopeScaling {  // Llama-3.x "llama3" rope scaling; factor == 0 means none
  double factor = 0;
  double low_freq_factor = 1;
  double high_freq_factor = 4;
  int original_context = 8192;
};

struct ModelSpec {
  std::string name;             // "llama-3.2-1b"
  std::string arch = "llama";   // "llama" | "qwen2" (QKV bias)
  int n_layers = 0;
  int d_model = 0;
  int n_heads = 0;
  int n_kv_heads = 0;
  int head_dim = 0;             // usually d_model / n_heads
  int ffn_dim = 0;
  int vocab = 0;
  int context = 0;              // maximum context the model was trained for
  bool tied_embeddings = false;
  bool self_draft = false;      // a `self:K` draft: the target's first n_layers layers and its head (no weights of its own)
  int target_layers = 0;        // self_draft: the target's layer count
  bool borrows_embedding = false;  // a hetspec draft v1: no token embedding / LM head of its own, it reads its target's
  int head_rows = 0;            // LM head over a vocabulary subset of this many tokens (hetspec.draft.head_token_ids); 0: all
  // A draft that reads its target's features (EAGLE; hetspec.draft.kind = "eagle"): its first layer's
  // input at position i is fc · [embed(t_i); g_{i-1}], fc (d, 2d) in weight_dtype, g the target's
  // final normed hidden state (or the draft's own where the target has not run).
  bool reads_features = false;
  bool qkv_bias = false;
  double rope_theta = 10000;
  double rms_eps = 1e-5;
  RopeScaling rope_scaling;
  DType weight_dtype = DType::Q4_0;  // dtype of the layer matrices
  DType embed_dtype = DType::Q4_0;   // token embedding / LM head (GGUF files often keep Q6_K/Q8_0 here)
  std::string source;                // where the numbers come from

  // Parameter counts.
  int64_t q_dim() const { return int64_t(n_heads) * head_dim; }
  int64_t kv_dim() const { return int64_t(n_kv_heads) * head_dim; }
  int64_t layer_params() const;      // matrices of one layer (no norms)
  int64_t embedding_params() const { return int64_t(vocab) * d_model; }
  int64_t head_params() const { return n_logits() * d_model; }  // LM head (shared if tied)
  int64_t feature_params() const { return reads_features ? 2 * int64_t(d_model) * d_model : 0; }  // fc
  // Logits per row: the LM head's rows (vocab, or the subset a draft's head covers).
  int64_t n_logits() const { return head_rows > 0 ? head_rows : vocab; }
  // Weights the model holds: a borrowing draft counts its layers and a subset head (a gathered copy) only.
  int64_t total_params() const;
  // Bytes of one layer's weights / the LM head / the token embedding at their dtypes (+ norms in f32).
  double layer_bytes() const;
  double head_bytes() const;
  double feature_bytes() const;  // fc of a feature-reading draft (0 otherwise)
  double embedding_bytes() const;
  // KV cache bytes per token per layer (f16 K and V by default).
  double kv_bytes_per_token_layer(int kv_elem_bytes = 2) const { return 2.0 * kv_dim() * kv_elem_bytes; }
};

// Loads and validates configs/models/*.yaml. Throws Error naming file and key.
ModelSpec load_model_spec(const std::string& path);
ModelSpec parse_model_spec(const YamlMap& y);
// Checks consistency (positive sizes, heads divide, ...); where = file name for messages.
void validate_model_spec(const ModelSpec& m, const std::string& where);

}  // namespace hetspec

namespace hetspec {
// A draft must share the target's vocabulary (token ids are compared position by position), and a
// target must be a whole model (its own embedding, a head over the whole vocabulary).
// Throws Error naming the draft file's vocab key when they differ, the target's key otherwise.
void check_draft_target_pair(const ModelSpec& draft, const std::string& draft_file, const ModelSpec& target,
                             const std::string& target_file);
}  // namespace hetspec
