// The tokenizer's inputs as plain data: what a GGUF file stores under tokenizer.* (see
// tokenizer_gguf.hpp), or what a test builds by hand. Tokenizer (tokenizer.hpp) validates it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hetspec {

// tokenizer.ggml.token_type values (llama_token_type in llama.cpp).
enum class TokenType : int32_t {
  Undefined = 0, Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6,
};

struct TokenizerData {
  std::string model;                 // tokenizer.ggml.model: "gpt2" (byte-level BPE) | "llama" (SentencePiece)
  std::string pre;                   // tokenizer.ggml.pre: "smollm", "llama-bpe", "qwen2", "default", ...
  std::vector<std::string> tokens;   // id -> text (byte-level encoded for gpt2, with U+2581 for llama)
  std::vector<float> scores;         // id -> score (SentencePiece merge priority); empty = all 0
  std::vector<int32_t> token_types;  // id -> TokenType value; empty = all Normal
  std::vector<std::string> merges;   // "left right", rank = index (gpt2 only)
  int32_t bos_id = -1;               // -1 = not set (then the model's default: llama 1, gpt2 none)
  int32_t eos_id = -1;
  int32_t unk_id = -1;
  int32_t pad_id = -1;
  std::optional<bool> add_bos;       // tokenizer.ggml.add_bos_token; unset = llama.cpp's default
  std::optional<bool> add_eos;       //   (add_bos: true for llama and llama-bpe, else false)
  std::optional<bool> add_space_prefix;  // tokenizer.ggml.add_space_prefix; unset: true for llama
  std::string chat_template;         // tokenizer.chat_template (Jinja source), may be empty
  std::string source;                // file name, for error messages
};

}  // namespace hetspec
