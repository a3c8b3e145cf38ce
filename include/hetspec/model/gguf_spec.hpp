// From a GGUF file to the numbers the rest of hetspec uses: a ModelSpec read from the metadata
// (llama.cpp's key names), the tensor names of a Llama-family model, and a check that every
// required tensor exists with the right shape, so the forward pass never meets a missing weight.
#pragma once
#include <string>
#include <vector>

#include "hetspec/model/gguf_file.hpp"
#include "hetspec/model/model_spec.hpp"

namespace hetspec {

// Reads general.architecture (llama | qwen2) and "<arch>.*" keys. Throws Error("file: key", ...)
// for an unknown architecture, a missing required key or inconsistent numbers.
// weight_dtype is the dtype holding most layer weights, embed_dtype token_embd's; a ggml type
// without a hetspec DType is sized by cost_dtype_for_ggml.
// A file without token_embd.weight is a borrowing draft (model/draft_gguf.hpp): borrows_embedding,
// and embed_dtype = weight_dtype until borrowing_draft_spec pairs it with its target; head_rows from
// hetspec.draft.head_token_ids. Llama-3 rope scaling: from
// <arch>.rope.scaling.{type,factor,original_context_length} when present; a rope_freqs.weight tensor
// alone sets factor = its largest value with the Llama-3 defaults for the other fields (the engine should then use the tensor's per-dimension factors directly).
ModelSpec spec_from_gguf(const GgufFile& f);

// GGUF tensor names (llama.cpp's LLM_TENSOR_* names).
struct LayerTensorNames {
  std::string attn_norm, attn_q, attn_k, attn_v, attn_output;  // "blk.N.attn_q.weight"
  std::string attn_q_bias, attn_k_bias, attn_v_bias;           // "blk.N.attn_q.bias" (qwen2)
  std::string ffn_norm, ffn_gate, ffn_up, ffn_down;
};
LayerTensorNames layer_tensor_names(int layer);
inline constexpr const char* kTokenEmbdTensor = "token_embd.weight";    // (vocab, d_model): dims [d_model, vocab]
inline constexpr const char* kOutputNormTensor = "output_norm.weight";  // (d_model)
inline constexpr const char* kOutputTensor = "output.weight";           // (vocab, d_model); absent when tied
inline constexpr const char* kRopeFreqsTensor = "rope_freqs.weight";    // (head_dim/2) Llama-3 rope factors, optional

struct ExpectedTensor {
  std::string name;
  std::vector<int64_t> dims;  // ggml order: dims[0] is the row length (input features)
  bool required = true;
};
// Every tensor a model with this spec has (layers in order, then norms/head), with ggml dims; a
// borrowing draft (spec.borrows_embedding) has neither token_embd nor output.
std::vector<ExpectedTensor> expected_tensors(const ModelSpec& m);
// Throws Error("file: tensor", "missing tensor ..." / "has shape [..], expected [..]").
void validate_gguf_tensors(const GgufFile& f, const ModelSpec& m);

// The DType that sizes a tensor of this ggml type for the cost model: itself when hetspec has it,
// else the one with the nearest bytes per weight (Q5_0 -> q5_k, both 5.5 bits).
DType cost_dtype_for_ggml(int ggml_type);

// The llama.cpp file type id (general.file_type) for a weight dtype (e.g. Q4_1 -> 3).
int llama_file_type(DType weight_dtype);

}  // namespace hetspec
