// Byte-level BPE building blocks on tiny hand-made vocabularies.
#include <catch2/catch.hpp>

#include <set>

#include "hetspec/core/error.hpp"
#include "hetspec/model/bpe.hpp"
#include "hetspec/model/tokenizer.hpp"

using namespace hetspec;

TEST_CASE("GPT-2 byte-to-unicode table is a bijection with the known anchors", "[tokenizer]") {
  std::set<uint32_t> seen;
  for (int b = 0; b < 256; ++b) {
    uint32_t c = byte_to_unicode(uint8_t(b));
    seen.insert(c);
    CHECK(byte_from_unicode(c) == b);
  }
  CHECK(seen.size() == 256);
  CHECK(byte_to_unicode(' ') == 0x120);   // 'Ġ'
  CHECK(byte_to_unicode('\n') == 0x10A);  // 'Ċ'
  CHECK(byte_to_unicode('A') == 'A');
  CHECK(byte_to_unicode(0xAD) == 0x143);  // soft hyphen byte is remapped
  CHECK(byte_from_unicode(0x4E2D) == -1);
  CHECK(byte_encode(" a") == "\xC4\xA0" "a");
}

namespace {
std::unordered_map<std::string, int32_t> vocab_of(const std::vector<std::string>& toks) {
  std::unordered_map<std::string, int32_t> v;
  for (size_t i = 0; i < toks.size(); ++i) v[toks[i]] = int32_t(i);
  return v;
}
}  // namespace

TEST_CASE("merges apply lowest rank first, leftmost on ties", "[tokenizer]") {
  auto vocab = vocab_of({"a", "b", "c", "ab", "bc", "abc", "aa"});
  std::vector<int32_t> out;
  bpe_encode_word("abc", BpeMerges({"a b", "ab c"}), vocab, false, out);
  CHECK(out == std::vector<int32_t>{5});
  out.clear();
  bpe_encode_word("abc", BpeMerges({"b c", "a b"}), vocab, false, out);  // "b c" wins
  CHECK(out == std::vector<int32_t>{0, 4});
  out.clear();
  bpe_encode_word("aaa", BpeMerges({"a a"}), vocab, false, out);
  CHECK(out == std::vector<int32_t>{6, 0});
  out.clear();
  bpe_encode_word("cab", BpeMerges(), vocab, false, out);
  CHECK(out == std::vector<int32_t>{2, 0, 1});
  out.clear();  // ignore_merges: a word that is a token is taken whole even without a merge path
  bpe_encode_word("abc", BpeMerges(), vocab, true, out);
  CHECK(out == std::vector<int32_t>{5});
}

TEST_CASE("a tiny gpt2 tokenizer: special tokens, add_bos, decode", "[tokenizer]") {
  TokenizerData d;
  d.model = "gpt2";
  d.pre = "gpt-2";
  // byte-level texts: "\xC4\xA0" is 'Ġ' (space)
  d.tokens = {"<|bos|>", "<|eot|>", "<tool>", "h", "i", "\xC4\xA0", "hi", "\xC4\xA0" "hi", "!"};
  d.token_types = {3, 3, 4, 1, 1, 1, 1, 1, 1};
  d.merges = {"h i", "\xC4\xA0 hi"};
  d.bos_id = 0;
  d.eos_id = 1;
  d.add_bos = true;
  d.source = "tiny.gguf";
  Tokenizer tok(d);
  CHECK(tok.encode("hi hi!") == std::vector<int32_t>{0, 6, 7, 8});
  CHECK(tok.encode("hi hi!", false) == std::vector<int32_t>{6, 7, 8});
  // control text only becomes a token with parse_special; user-defined always
  CHECK(tok.encode("hi<|eot|>", false, true) == std::vector<int32_t>{6, 1});
  CHECK(tok.encode("<tool>hi", false, false) == std::vector<int32_t>{2, 6});
  CHECK(tok.decode({0, 6, 7, 8}) == "<|bos|>hi hi!");
  CHECK(tok.decode({0, 6, 7, 8}, false) == "hi hi!");
  CHECK(tok.token_to_piece(7) == " hi");
  CHECK(tok.is_eog(1));
  CHECK_FALSE(tok.is_eog(6));
  CHECK_THROWS_WITH(tok.decode({99}), Catch::Contains("token id 99 out of range"));
}

TEST_CASE("bad tokenizer data gets one clear error naming file and key", "[tokenizer]") {
  TokenizerData d;
  d.model = "gpt2";
  d.pre = "smollm";
  d.tokens = {"a", "b"};
  d.merges = {"a b"};
  d.source = "m.gguf";
  CHECK_NOTHROW(Tokenizer(d));
  auto bad = d;
  bad.model = "bert";
  CHECK_THROWS_WITH(Tokenizer(bad), "m.gguf: tokenizer.ggml.model: unsupported tokenizer model 'bert' (supported: gpt2, llama)");
  bad = d;
  bad.tokens = {"a", "a"};
  CHECK_THROWS_WITH(Tokenizer(bad), "m.gguf: tokenizer.ggml.tokens: duplicate token 'a' at ids 0 and 1");
  bad = d;
  bad.token_types = {1};
  CHECK_THROWS_WITH(Tokenizer(bad), "m.gguf: tokenizer.ggml.token_type: 1 token types for 2 tokens");
  bad = d;
  bad.add_bos = true;
  CHECK_THROWS_WITH(Tokenizer(bad), Catch::StartsWith("m.gguf: tokenizer.ggml.bos_token_id: missing"));
  bad.bos_id = 5;
  CHECK_THROWS_WITH(Tokenizer(bad), Catch::Contains("token id 5 out of range"));
  bad = d;
  bad.merges.clear();
  CHECK_THROWS_WITH(Tokenizer(bad), "m.gguf: tokenizer.ggml.merges: missing BPE merges");
  bad = d;
  bad.tokens.clear();
  CHECK_THROWS_WITH(Tokenizer(bad), "m.gguf: tokenizer.ggml.tokens: empty vocabulary");
}

TEST_CASE("add_bos defaults follow llama.cpp: on for llama-bpe, off for others unless set", "[tokenizer]") {
  TokenizerData d;
  d.model = "gpt2";
  d.tokens = {"<|begin_of_text|>", "a", "b", "ab"};
  d.token_types = {3, 1, 1, 1};
  d.merges = {"a b"};
  d.bos_id = 0;
  d.pre = "llama-bpe";
  CHECK(Tokenizer(d).encode("ab") == std::vector<int32_t>{0, 3});
  d.add_bos = false;
  CHECK(Tokenizer(d).encode("ab") == std::vector<int32_t>{3});
  d.add_bos.reset();
  d.pre = "qwen2";
  CHECK(Tokenizer(d).encode("ab") == std::vector<int32_t>{3});
  d.add_eos = true;
  d.eos_id = 1;
  CHECK(Tokenizer(d).encode("ab") == std::vector<int32_t>{3, 1});
  CHECK(Tokenizer(d).encode("ab", false) == std::vector<int32_t>{3});
}

TEST_CASE("utf8_complete_prefix holds back a split character", "[tokenizer]") {
  CHECK(utf8_complete_prefix("abc") == 3);
  CHECK(utf8_complete_prefix("a\xC3") == 1);
  CHECK(utf8_complete_prefix("a\xC3\xA9") == 3);
  CHECK(utf8_complete_prefix("\xF0\x9F\x98") == 0);
  CHECK(utf8_complete_prefix("\xF0\x9F\x98\x80") == 4);
  CHECK(utf8_complete_prefix("") == 0);
  CHECK(utf8_complete_prefix("x\x80\x80\x80\x80") == 5);
}
