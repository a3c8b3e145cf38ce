// Random-weight Llama / Qwen2 models of any shape as valid GGUF files (`hetspec make-model`):
// the engine, the executor and the cost model can then be tested on shapes no one has published
// without downloading anything. Weights are seeded and platform-independent (own RNG).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hetspec/core/dtype.hpp"
#include "hetspec/model/gguf_writer.hpp"
#include "hetspec/model/model_spec.hpp"

namespace hetspec {

// Adds a minimal byte-level (GPT-2 style) BPE tokenizer of exactly `vocab` tokens:
// 0 <|endoftext|>, 1 <|im_start|> (bos), 2 <|im_end|> (eos), then the 256 byte tokens (GPT-2's
// byte-to-unicode mapping), a few merges, and "<unused_N>" padding. `pre` is tokenizer.ggml.pre.
// Throws if vocab < 259.
void add_byte_level_tokenizer(GgufWriter& w, int vocab, const std::string& pre);

// GPT-2's byte -> unicode code point mapping (printable bytes map to themselves), as UTF-8.
std::string gpt2_byte_token(uint8_t byte);

// Builds the writer for a random model: architecture metadata from `spec`, weights ~ N(0, 1/cols)
// (so every matmul keeps activations near unit scale), norms = 1, biases ~ N(0, 0.02^2), matrices
// stored as `dtype` (spec.weight_dtype / spec.embed_dtype when not given; must run on the CPU).
GgufWriter random_model_writer(const ModelSpec& spec, uint64_t seed, std::optional<DType> dtype = std::nullopt);
void make_random_model(const ModelSpec& spec, uint64_t seed, std::optional<DType> dtype, const std::string& out_path);
// The writer holds every tensor in memory before writing: throws Error(where, "needs ~X GB ...") when
// the model's bytes exceed this machine's physical memory, instead of allocating until killed.
// make_random_model checks this itself (naming the spec); a CLI may call it first with the spec's file.
void check_random_model_fits(const ModelSpec& spec, std::optional<DType> dtype, const std::string& where);

// Llama-3 rope factors per rotary pair, as llama.cpp's converter computes rope_freqs.weight.
std::vector<float> llama3_rope_factors(const ModelSpec& spec);

}  // namespace hetspec
