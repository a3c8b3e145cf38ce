// Tokenizer: validation, special-token partition, and dispatch to BPE / SentencePiece, following
// llama.cpp's llama_vocab (load, tokenizer_st_partition, tokenize, token_to_piece).
#include "hetspec/model/tokenizer.hpp"

#include <algorithm>
#include <cstdlib>

#include "hetspec/core/error.hpp"
#include "hetspec/model/sentencepiece.hpp"

namespace hetspec {

namespace {

bool is_special_type(TokenType t) {
  return t == TokenType::Control || t == TokenType::UserDefined || t == TokenType::Unknown;
}

// A subset of llama.cpp's end-of-generation texts (llama_vocab::impl::load).
const char* kEogTexts[] = {"<|eot_id|>", "<|im_end|>", "<|end|>",   "<end_of_turn>", "<|endoftext|>",
                           "</s>",       "<|eom_id|>", "<|end_of_text|>", "<EOT>",   "<eos>"};

}  // namespace

size_t utf8_complete_prefix(std::string_view b) {
  // Look back at most 3 bytes for the start of the last sequence.
  const size_t n = b.size();
  for (size_t back = 1; back <= 4 && back <= n; ++back) {
    const unsigned char c = static_cast<unsigned char>(b[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    size_t need = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
    return back < need ? n - back : n;
  }
  return n;  // only continuation bytes (malformed): nothing to wait for
}

Tokenizer::Tokenizer(TokenizerData data) : data_(std::move(data)) {
  const std::string& src = data_.source;
  auto where = [&](const std::string& key) { return src.empty() ? key : src + ": " + key; };
  if (data_.model == "gpt2") kind_ = TokenizerKind::Bpe;
  else if (data_.model == "llama") kind_ = TokenizerKind::SentencePiece;
  else
    throw Error(where("tokenizer.ggml.model"),
                "unsupported tokenizer model '" + data_.model + "' (supported: gpt2, llama)");
  const size_t n = data_.tokens.size();
  check(n > 0, where("tokenizer.ggml.tokens"), "empty vocabulary");
  check(n < size_t(INT32_MAX), where("tokenizer.ggml.tokens"), "vocabulary too large");
  check(data_.scores.empty() || data_.scores.size() >= n, where("tokenizer.ggml.scores"),
        std::to_string(data_.scores.size()) + " scores for " + std::to_string(n) + " tokens");
  check(data_.token_types.empty() || data_.token_types.size() >= n, where("tokenizer.ggml.token_type"),
        std::to_string(data_.token_types.size()) + " token types for " + std::to_string(n) + " tokens");
  data_.scores.resize(n, 0.0f);
  data_.token_types.resize(n, int32_t(TokenType::Normal));
  for (size_t i = 0; i < n; ++i) {
    int32_t t = data_.token_types[i];
    if (t < 0 || t > 6) data_.token_types[i] = int32_t(TokenType::Undefined);  // as llama.cpp
  }

  text_to_id_.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    std::string& t = data_.tokens[i];
    if (t.empty()) t = "[EMPTY_" + std::to_string(i) + "]";  // as llama.cpp
    auto [it, fresh] = text_to_id_.emplace(t, int32_t(i));
    if (!fresh)
      throw Error(where("tokenizer.ggml.tokens"), "duplicate token '" + t + "' at ids " +
                                                      std::to_string(it->second) + " and " + std::to_string(i));
  }

  if (kind_ == TokenizerKind::Bpe) {
    pre_ = pre_tokenizer_from_name(data_.pre, where("tokenizer.ggml.pre"));
    ignore_merges_ = pre_tokenizer_ignores_merges(pre_);
    check(!data_.merges.empty(), where("tokenizer.ggml.merges"), "missing BPE merges");
    merges_ = BpeMerges(data_.merges);
    add_bos_ = data_.add_bos.value_or(pre_ == PreTokenizer::Llama3);
    add_eos_ = data_.add_eos.value_or(false);
    add_space_prefix_ = false;  // llama.cpp's BPE tokenize ignores tokenizer.ggml.add_space_prefix
    bos_ = data_.bos_id;
    eos_ = data_.eos_id;
    unk_ = data_.unk_id;
  } else {
    pre_ = PreTokenizer::Default;
    add_bos_ = data_.add_bos.value_or(true);
    add_eos_ = data_.add_eos.value_or(false);
    add_space_prefix_ = data_.add_space_prefix.value_or(true);
    bos_ = data_.bos_id >= 0 ? data_.bos_id : 1;
    eos_ = data_.eos_id >= 0 ? data_.eos_id : 2;
    unk_ = data_.unk_id >= 0 ? data_.unk_id : 0;
  }
  auto check_special = [&](int32_t& id, const char* key, bool needed) {
    if (id >= int32_t(n)) {
      if (needed)
        throw Error(where(key), "token id " + std::to_string(id) + " out of range (vocabulary " +
                                    std::to_string(n) + ")");
      id = -1;
    }
    if (needed && id < 0) throw Error(where(key), "missing, but the model asks for it to be added");
  };
  check_special(bos_, "tokenizer.ggml.bos_token_id", add_bos_);
  check_special(eos_, "tokenizer.ggml.eos_token_id", add_eos_);
  // The unknown token stands in for text the vocabulary cannot spell: a given id outside the
  // vocabulary would surface later as "token id -1 out of range" with no file or key.
  if (data_.unk_id >= int32_t(n))
    throw Error(where("tokenizer.ggml.unknown_token_id"),
                "token id " + std::to_string(data_.unk_id) + " out of range (vocabulary " + std::to_string(n) + ")");
  check_special(unk_, "tokenizer.ggml.unknown_token_id", false);
  if (data_.pad_id >= int32_t(n)) data_.pad_id = -1;

  // End-of-generation tokens; llama.cpp forces these to be control tokens.
  if (eos_ >= 0) eog_.push_back(eos_);
  for (const char* t : kEogTexts) {
    auto it = text_to_id_.find(t);
    if (it == text_to_id_.end()) continue;
    if (TokenType(data_.token_types[it->second]) == TokenType::Normal)
      data_.token_types[it->second] = int32_t(TokenType::Control);
    if (std::find(eog_.begin(), eog_.end(), it->second) == eog_.end()) eog_.push_back(it->second);
  }

  for (size_t i = 0; i < n; ++i)
    if (is_special_type(TokenType(data_.token_types[i]))) special_.push_back(int32_t(i));
  std::stable_sort(special_.begin(), special_.end(), [&](int32_t a, int32_t b) {
    return data_.tokens[a].size() > data_.tokens[b].size();
  });
}

void Tokenizer::check_id(int32_t id) const {
  if (id < 0 || id >= n_vocab())
    throw Error("tokenizer", "token id " + std::to_string(id) + " out of range (vocabulary " +
                                 std::to_string(n_vocab()) + ")");
}

const std::string& Tokenizer::token_text(int32_t id) const {
  check_id(id);
  return data_.tokens[id];
}

TokenType Tokenizer::token_type(int32_t id) const {
  check_id(id);
  return TokenType(data_.token_types[id]);
}

std::optional<int32_t> Tokenizer::find_token(std::string_view text) const {
  auto it = text_to_id_.find(std::string(text));
  if (it == text_to_id_.end()) return std::nullopt;
  return it->second;
}

bool Tokenizer::is_eog(int32_t id) const { return std::find(eog_.begin(), eog_.end(), id) != eog_.end(); }

// llama.cpp's tokenizer_st_partition: for each special token (longest first), cut every remaining
// text fragment at each occurrence of its text.
std::vector<Tokenizer::Fragment> Tokenizer::split_special(std::string_view text, bool parse_special) const {
  std::vector<Fragment> frags;
  if (text.empty()) return frags;
  frags.push_back({-1, 0, text.size()});
  for (int32_t id : special_) {
    const TokenType type = TokenType(data_.token_types[id]);
    if (!parse_special && type != TokenType::UserDefined) continue;
    const std::string& st = data_.tokens[id];
    std::vector<Fragment> next;
    next.reserve(frags.size());
    bool changed = false;
    for (const Fragment& f : frags) {
      if (f.token >= 0) {
        next.push_back(f);
        continue;
      }
      std::string_view piece = text.substr(f.off, f.len);
      size_t pos = 0;
      for (size_t m; (m = piece.find(st, pos)) != std::string_view::npos; pos = m + st.size()) {
        if (m > pos) next.push_back({-1, f.off + pos, m - pos});
        next.push_back({id, 0, 0});
        changed = true;
      }
      if (pos < piece.size()) next.push_back({-1, f.off + pos, piece.size() - pos});
    }
    if (changed) frags.swap(next);
  }
  return frags;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special, bool parse_special) const {
  std::vector<int32_t> out;
  if (add_special && add_bos_) out.push_back(bos_);
  const std::vector<Fragment> frags = split_special(text, parse_special);
  if (kind_ == TokenizerKind::Bpe) {
    for (const Fragment& f : frags) {
      if (f.token >= 0) {
        out.push_back(f.token);
        continue;
      }
      for (const std::string& word : pre_tokenize(text.substr(f.off, f.len), pre_))
        bpe_encode_word(byte_encode(word), merges_, text_to_id_, ignore_merges_, out);
    }
  } else {
    const SpmVocabView view{text_to_id_, data_.scores, unk_};
    bool prev_special = true;  // llama.cpp: a dummy space before the first text and after specials
    for (const Fragment& f : frags) {
      if (f.token >= 0) {
        out.push_back(f.token);
        prev_special = true;
        continue;
      }
      spm_encode(text.substr(f.off, f.len), add_space_prefix_ && prev_special, view, out);
      prev_special = false;
    }
  }
  if (add_special && add_eos_) out.push_back(eos_);
  return out;
}

std::string Tokenizer::token_to_piece(int32_t id, bool render_special) const {
  check_id(id);
  const TokenType type = TokenType(data_.token_types[id]);
  const std::string& text = data_.tokens[id];
  switch (type) {
    case TokenType::Control:
    case TokenType::Unknown:
      return render_special ? text : std::string();
    case TokenType::UserDefined:
      return text;
    case TokenType::Byte:
      if (text.size() == 6 && text.compare(0, 3, "<0x") == 0)
        return std::string(1, char(std::strtol(text.substr(3, 2).c_str(), nullptr, 16)));
      return std::string();
    case TokenType::Normal:
      break;
    default:
      return std::string();  // unused / undefined: nothing, as llama.cpp
  }
  std::string out;
  if (kind_ == TokenizerKind::SentencePiece) {
    for (size_t i = 0; i < text.size();) {
      if (text.compare(i, 3, "\xE2\x96\x81") == 0) {
        out.push_back(' ');
        i += 3;
      } else {
        out.push_back(text[i++]);
      }
    }
    return out;
  }
  for (uint32_t c : utf8_to_codepoints(text)) {
    int b = byte_from_unicode(c);
    if (b >= 0) out.push_back(char(b));
    else append_utf8(out, c);  // not a byte-level code point: keep it as is
  }
  return out;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool render_special) const {
  std::string out;
  bool strip_space = kind_ == TokenizerKind::SentencePiece && add_space_prefix_;
  bool after_special = true;
  for (int32_t id : ids) {
    std::string piece = token_to_piece(id, render_special);
    const TokenType type = TokenType(data_.token_types[id]);
    if (type == TokenType::Control || type == TokenType::Unknown || type == TokenType::UserDefined) {
      after_special = true;
    } else {
      if (strip_space && after_special && !piece.empty() && piece[0] == ' ') piece.erase(0, 1);
      after_special = false;
    }
    out += piece;
  }
  return out;
}

std::string Tokenizer::describe() const {
  std::string s = data_.model + (kind_ == TokenizerKind::Bpe ? " byte-level BPE (pre " +
                                                                  std::string(pre_tokenizer_name(pre_)) + ")"
                                                            : " SentencePiece");
  s += ", " + std::to_string(n_vocab()) + " tokens";
  if (kind_ == TokenizerKind::Bpe) s += ", " + std::to_string(merges_.size()) + " merges";
  auto tok = [&](int32_t id) { return id < 0 ? std::string("none") : std::to_string(id) + " '" + data_.tokens[id] + "'"; };
  s += ", bos " + tok(bos_) + ", eos " + tok(eos_);
  s += std::string(", add_bos ") + (add_bos_ ? "yes" : "no");
  s += ", " + std::to_string(special_.size()) + " special tokens";
  return s;
}

}  // namespace hetspec
