// Text <-> token ids for GGUF models, matching llama.cpp's llama_tokenize / llama_token_to_piece:
// byte-level BPE ("gpt2": SmolLM2, Llama 3, Qwen2) and SentencePiece ("llama": Llama 2, TinyLlama).
// Built once from TokenizerData (tokenizer_data.hpp; from a GGUF via tokenizer_gguf.hpp); encode and
// decode are const and thread-safe.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hetspec/model/bpe.hpp"
#include "hetspec/model/pretokenizer.hpp"
#include "hetspec/model/tokenizer_data.hpp"

namespace hetspec {

enum class TokenizerKind { Bpe, SentencePiece };

// For streaming output: the length of the longest prefix of `bytes` that does not end inside an
// incomplete UTF-8 sequence (token pieces can split a character). Print that much, keep the rest.
size_t utf8_complete_prefix(std::string_view bytes);

class Tokenizer {
 public:
  // Validates `data` (known model and pre-tokenizer, consistent array lengths, ids in range, no
  // duplicate token texts); throws Error("<source>: tokenizer.ggml.<key>", ...) otherwise.
  explicit Tokenizer(TokenizerData data);

  // add_special: add BOS (and EOS) where the model asks for them (add_bos / add_eos).
  // parse_special: text of control tokens ("<|im_start|>") becomes those tokens; otherwise it is
  // tokenized as plain text. User-defined tokens are always matched (as llama.cpp).
  std::vector<int32_t> encode(std::string_view text, bool add_special = true,
                              bool parse_special = false) const;

  // The bytes of one token. Control/unknown tokens give their text when render_special, else "".
  std::string token_to_piece(int32_t id, bool render_special = true) const;
  // Concatenated pieces. For SentencePiece, the dummy space that encode() put before the first
  // word (and after each special token) is removed, so decode(encode(x, false)) == x. No
  // clean-up of spaces before punctuation is applied. Ids out of range throw.
  std::string decode(const std::vector<int32_t>& ids, bool render_special = true) const;

  TokenizerKind kind() const { return kind_; }
  PreTokenizer pre() const { return pre_; }
  int32_t n_vocab() const { return int32_t(data_.tokens.size()); }
  int32_t bos() const { return bos_; }  // -1 if none
  int32_t eos() const { return eos_; }
  int32_t unk() const { return unk_; }
  int32_t pad() const { return data_.pad_id; }
  bool add_bos() const { return add_bos_; }
  bool add_eos() const { return add_eos_; }
  bool add_space_prefix() const { return add_space_prefix_; }
  // End of generation: EOS and the end-of-turn tokens llama.cpp recognises by text (<|im_end|>,
  // <|eot_id|>, <|endoftext|>, <|end_of_text|>, <|eom_id|>, <end_of_turn>, <|end|>, </s>, ...).
  bool is_eog(int32_t id) const;
  const std::vector<int32_t>& eog_ids() const { return eog_; }

  const std::string& token_text(int32_t id) const;  // raw vocabulary text (throws if out of range)
  TokenType token_type(int32_t id) const;
  std::optional<int32_t> find_token(std::string_view text) const;  // exact vocabulary text
  const std::string& chat_template() const { return data_.chat_template; }
  const TokenizerData& data() const { return data_; }
  std::string describe() const;  // "gpt2 BPE (pre smollm), 49152 tokens, 48900 merges, bos 1 ..."

 private:
  struct Fragment {  // a special token, or a range of raw text
    int32_t token;   // -1 for text
    size_t off, len;
  };
  std::vector<Fragment> split_special(std::string_view text, bool parse_special) const;
  void check_id(int32_t id) const;

  TokenizerData data_;
  TokenizerKind kind_ = TokenizerKind::Bpe;
  PreTokenizer pre_ = PreTokenizer::Default;
  bool ignore_merges_ = false;
  std::unordered_map<std::string, int32_t> text_to_id_;
  BpeMerges merges_;
  std::vector<int32_t> special_;  // control / user-defined / unknown ids, longest text first
  std::vector<int32_t> eog_;
  int32_t bos_ = -1, eos_ = -1, unk_ = -1;
  bool add_bos_ = false, add_eos_ = false, add_space_prefix_ = false;
};

}  // namespace hetspec
