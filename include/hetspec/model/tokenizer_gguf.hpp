// Reading the tokenizer out of a GGUF file (tokenizer.* metadata) into TokenizerData, and a
// one-call loader. Kept apart from tokenizer.hpp so the tokenizer itself needs no file format.
#pragma once
#include <string>

#include "hetspec/model/tokenizer.hpp"
#include "hetspec/model/tokenizer_data.hpp"

namespace hetspec {

class GgufFile;

// Reads tokenizer.ggml.{model, pre, tokens, scores, token_type, merges, bos_token_id, eos_token_id,
// unknown_token_id, padding_token_id, add_bos_token, add_eos_token, add_space_prefix} and
// tokenizer.chat_template. Missing optional keys stay unset; a missing model/tokens key or a value
// of the wrong type throws Error("<file>: <key>: ...").
TokenizerData tokenizer_data_from_gguf(const GgufFile& f);

// tokenizer_data_from_gguf + Tokenizer construction (which validates).
Tokenizer tokenizer_from_gguf(const GgufFile& f);

}  // namespace hetspec
