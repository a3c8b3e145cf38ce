// Pre-tokenizer splits for each llama.cpp family on hand-checked strings (the llama.cpp-produced
// ids for the same families are checked in test_tokenizer_smollm2.cpp).
#include <catch2/catch.hpp>

#include <random>

#include "hetspec/core/error.hpp"
#include "hetspec/model/pretokenizer.hpp"

using namespace hetspec;
using Words = std::vector<std::string>;

TEST_CASE("unicode classes come from the generated tables", "[tokenizer]") {
  CHECK(unicode_flags('a') == kUniLetter);
  CHECK(unicode_flags('Z') == kUniLetter);
  CHECK(unicode_flags('7') == kUniNumber);
  CHECK(unicode_flags(0xB2) == kUniNumber);     // superscript two (No)
  CHECK(unicode_flags(0x2160) == kUniNumber);   // roman numeral one (Nl)
  CHECK(unicode_flags(0x0663) == kUniNumber);   // arabic-indic three (Nd)
  CHECK(unicode_flags(0x4E2D) == kUniLetter);   // CJK
  CHECK(unicode_flags(0xE9) == kUniLetter);     // e acute
  CHECK(unicode_flags(0x1F600) == 0);           // emoji: symbol, none of our classes
  CHECK(unicode_flags(' ') == kUniWhitespace);
  CHECK(unicode_flags('\t') == kUniWhitespace);
  CHECK(unicode_flags(0xA0) == kUniWhitespace);
  CHECK(unicode_flags(0x3000) == kUniWhitespace);
  CHECK(unicode_flags(0x85) == kUniWhitespace);
  CHECK(unicode_flags(0x1C) == 0);  // not White_Space (Python's isspace says yes; llama.cpp no)
  CHECK(unicode_flags(0x200B) == 0);  // zero width space is Cf
  CHECK(unicode_flags('!') == kUniPunct);
  CHECK(unicode_flags('$') == 0);   // Sc, not P
  CHECK(unicode_flags(0x3002) == kUniPunct);  // ideographic full stop
  CHECK(unicode_flags(0x10FFFF) == 0);
}

TEST_CASE("UTF-8 decoding replaces each malformed byte with U+FFFD", "[tokenizer]") {
  CHECK(utf8_to_codepoints("a\xC3\xA9") == std::vector<uint32_t>{'a', 0xE9});
  CHECK(utf8_to_codepoints("\xF0\x9F\x98\x80") == std::vector<uint32_t>{0x1F600});
  CHECK(utf8_to_codepoints("\xE4\xB8") == std::vector<uint32_t>{0xFFFD, 0xFFFD});  // truncated
  CHECK(utf8_to_codepoints("\x80x") == std::vector<uint32_t>{0xFFFD, 'x'});
  std::string s;
  for (uint32_t c : {0x41u, 0xE9u, 0x4E2Du, 0x1F600u}) append_utf8(s, c);
  CHECK(s == "A\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80");
}

TEST_CASE("GPT-2 and SmolLM splits", "[tokenizer]") {
  CHECK(pre_tokenize("Hello  world", PreTokenizer::Gpt2) == Words{"Hello", " ", " world"});
  CHECK(pre_tokenize("it's they're", PreTokenizer::Gpt2) == Words{"it", "'s", " they", "'re"});
  CHECK(pre_tokenize("IT'S", PreTokenizer::Gpt2) == Words{"IT", "'", "S"});  // case-sensitive
  CHECK(pre_tokenize("a 123!!", PreTokenizer::Gpt2) == Words{"a", " 123", "!!"});
  CHECK(pre_tokenize("x\n\ny", PreTokenizer::Gpt2) == Words{"x", "\n", "\n", "y"});
  CHECK(pre_tokenize("end   ", PreTokenizer::Gpt2) == Words{"end", "   "});
  // SmolLM: each digit alone first, so the space before a number stays its own word.
  CHECK(pre_tokenize("a 123", PreTokenizer::Smollm) == Words{"a", " ", "1", "2", "3"});
  CHECK(pre_tokenize("x²", PreTokenizer::Smollm) == Words{"x", "\xC2\xB2"});
}

TEST_CASE("Llama 3 and Qwen2 splits", "[tokenizer]") {
  CHECK(pre_tokenize("IT'S", PreTokenizer::Llama3) == Words{"IT", "'S"});  // case-insensitive
  CHECK(pre_tokenize("1234567", PreTokenizer::Llama3) == Words{"123", "456", "7"});
  CHECK(pre_tokenize("1234", PreTokenizer::Qwen2) == Words{"1", "2", "3", "4"});
  CHECK(pre_tokenize("a\n\n b", PreTokenizer::Llama3) == Words{"a", "\n\n", " b"});
  CHECK(pre_tokenize("x  \n\t y", PreTokenizer::Llama3) == Words{"x", "  \n", "\t", " y"});
  CHECK(pre_tokenize("(hello) world", PreTokenizer::Llama3) == Words{"(hello", ")", " world"});
  CHECK(pre_tokenize("ok!!\n\nnext", PreTokenizer::Llama3) == Words{"ok", "!!\n\n", "next"});
}

TEST_CASE("default pre-tokenizer splits punctuation runs and ASCII digit triples", "[tokenizer]") {
  CHECK(pre_tokenize("1234567", PreTokenizer::Default) == Words{"123", "456", "7"});
  CHECK(pre_tokenize("a,b", PreTokenizer::Default) == Words{"a", ",", "b"});
  // \p{N}+ then also cuts the space off " 1"
  CHECK(pre_tokenize("x += 1", PreTokenizer::Default) == Words{"x", " ", "+=", " ", "1"});
}

TEST_CASE("the words of every pre-tokenizer concatenate to the input", "[tokenizer]") {
  std::mt19937 rng(7);
  const std::vector<std::string> atoms = {"a", "Z", " ", "  ", "\n", "\r\n", "\t", "7", "'s", "'T", "!",
                                          "\xC3\xA9", "\xE4\xB8\xAD", "\xF0\x9F\x98\x80", "\xC2\xA0", "$"};
  for (PreTokenizer p : {PreTokenizer::Default, PreTokenizer::Gpt2, PreTokenizer::Smollm,
                         PreTokenizer::Llama3, PreTokenizer::Qwen2}) {
    for (int trial = 0; trial < 200; ++trial) {
      std::string s;
      int n = int(rng() % 20);
      for (int i = 0; i < n; ++i) s += atoms[rng() % atoms.size()];
      std::string joined;
      for (const auto& w : pre_tokenize(s, p)) {
        CHECK(!w.empty());
        joined += w;
      }
      REQUIRE(joined == s);
    }
  }
}

TEST_CASE("pre-tokenizer names", "[tokenizer]") {
  CHECK(pre_tokenizer_from_name("smollm", "") == PreTokenizer::Smollm);
  CHECK(pre_tokenizer_from_name("llama-bpe", "") == PreTokenizer::Llama3);
  CHECK(pre_tokenizer_from_name("qwen2", "") == PreTokenizer::Qwen2);
  CHECK(pre_tokenizer_from_name("", "") == PreTokenizer::Default);
  CHECK_THROWS_WITH(pre_tokenizer_from_name("tekken", "m.gguf: tokenizer.ggml.pre"),
                    Catch::StartsWith("m.gguf: tokenizer.ggml.pre: unsupported pre-tokenizer 'tekken'"));
  CHECK(pre_tokenizer_ignores_merges(PreTokenizer::Llama3));
  CHECK_FALSE(pre_tokenizer_ignores_merges(PreTokenizer::Qwen2));
}
