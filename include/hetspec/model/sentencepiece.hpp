// SentencePiece-style BPE (tokenizer.ggml.model = "llama": Llama 1/2, TinyLlama, Mistral v0.1), as
// llama.cpp's llm_tokenizer_spm: spaces become U+2581 "▁" (with one dummy "▁" prefix where the
// caller asks for it), the text is split into UTF-8 characters, and adjacent symbols whose
// concatenation is a vocabulary piece are merged, highest piece score first (leftmost on ties).
// Symbols that end up not being pieces are emitted as byte tokens <0xXX> (byte fallback).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hetspec {

struct SpmVocabView {
  const std::unordered_map<std::string, int32_t>& text_to_id;
  const std::vector<float>& scores;  // id -> score
  int32_t unk_id;                    // used when a byte has no <0xXX> token and no 1-char token
};

// Escapes ' ' -> "▁" (and prepends "▁" when add_prefix_space), then encodes.
void spm_encode(std::string_view text, bool add_prefix_space, const SpmVocabView& vocab,
                std::vector<int32_t>& out);

// The id of byte b: "<0xXX>" (upper-case hex), else the one-character token, else unk.
int32_t spm_byte_token(uint8_t b, const SpmVocabView& vocab);

}  // namespace hetspec
