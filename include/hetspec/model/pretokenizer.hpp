// BPE pre-tokenization: splitting text into words before byte-level BPE, exactly as llama.cpp does
// for the pre-tokenizer a GGUF names (tokenizer.ggml.pre). llama.cpp runs each model's regex list
// one after another (each regex splits every piece the previous one produced, matches and the gaps
// between them both kept); the regexes are implemented here by hand over code points with Unicode
// class tables (letters \p{L}, numbers \p{N}, White_Space \s, punctuation \p{P}), no regex engine.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hetspec {

// Families of llama.cpp pre-tokenizers (several tokenizer.ggml.pre names share one family).
enum class PreTokenizer {
  Default,  // "default" or missing: [\p{P}$+<=>^~|]+ , GPT-2 regex, \p{N}+, [0-9]{3}
  Gpt2,     // "gpt-2", "phi-2", "mpt", "olmo", ...: the GPT-2 regex
  Smollm,   // "smollm", "starcoder", "refact", ...: each digit alone (\p{N}), then the GPT-2 regex
  Llama3,   // "llama-bpe", "llama3", "llama-v3", "falcon3", "dbrx", "smaug-bpe": Llama-3 regex (\p{N}{1,3})
  Qwen2,    // "qwen2", "deepseek-r1-qwen", "stablelm2", "megrez": Llama-3 regex with \p{N} (one digit)
};

// Maps a tokenizer.ggml.pre value to its family; throws Error(where, "unsupported pre-tokenizer ...")
// listing the supported names. "" maps to Default (llama.cpp warns and does the same).
PreTokenizer pre_tokenizer_from_name(const std::string& name, const std::string& where);
const char* pre_tokenizer_name(PreTokenizer p);  // canonical name: "default", "gpt-2", "smollm", ...
// llama.cpp looks whole words up in the vocabulary before merging for these (ignore_merges).
bool pre_tokenizer_ignores_merges(PreTokenizer p);

// Unicode classes of one code point (bit set of the values below).
enum UnicodeClass : uint8_t { kUniLetter = 1, kUniNumber = 2, kUniWhitespace = 4, kUniPunct = 8 };
uint8_t unicode_flags(uint32_t cpt);

// UTF-8 -> code points the way llama.cpp decodes (structure only, no overlong check); every byte
// that does not start a well-formed sequence becomes U+FFFD.
std::vector<uint32_t> utf8_to_codepoints(std::string_view s);
void append_utf8(std::string& out, uint32_t cpt);

// Splits `text` into words for `pre`. The words are UTF-8 (re-encoded from the code points, so
// invalid input bytes appear as U+FFFD); their concatenation is the (repaired) text.
std::vector<std::string> pre_tokenize(std::string_view text, PreTokenizer pre);

}  // namespace hetspec
