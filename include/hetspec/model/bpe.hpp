// GPT-2-style byte-level BPE (tokenizer.ggml.model = "gpt2"), as llama.cpp's llm_tokenizer_bpe:
// every byte of a pre-tokenized word is mapped to a printable code point (the GPT-2 byte-to-unicode
// table), then adjacent symbols are merged lowest merge rank first (leftmost on ties) until no
// ranked pair is left; the symbols are then looked up in the vocabulary.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hetspec {

// The GPT-2 byte <-> code point table: bytes '!'..'~', 0xA1..0xAC, 0xAE..0xFF map to themselves,
// the other 68 bytes to U+0100.. in byte order (so ' ' -> U+0120 'Ġ', '\n' -> U+010A 'Ċ').
uint32_t byte_to_unicode(uint8_t b);
int byte_from_unicode(uint32_t cpt);  // -1 if the code point is not in the table
std::string byte_encode(std::string_view bytes);  // each byte -> UTF-8 of byte_to_unicode(byte)

class BpeMerges {
 public:
  BpeMerges() = default;
  // merges[i] = "left right" (split at the first space after position 0, as llama.cpp), rank i.
  explicit BpeMerges(const std::vector<std::string>& merges);
  // -1 if not a merge; `scratch` is a caller-owned buffer for the lookup key.
  int rank(std::string_view left, std::string_view right, std::string& scratch) const;
  size_t size() const { return ranks_.size(); }

 private:
  std::unordered_map<std::string, int> ranks_;  // key: left + '\0' + right
};

// Encodes one byte-encoded word into token ids. `vocab` maps token text to id; with
// ignore_merges a word that is itself a token is emitted whole (Llama 3). Symbols left that are
// not tokens fall back to their single bytes that are tokens (as llama.cpp; others are dropped).
void bpe_encode_word(std::string_view word, const BpeMerges& merges,
                     const std::unordered_map<std::string, int32_t>& vocab, bool ignore_merges,
                     std::vector<int32_t>& out);

}  // namespace hetspec
