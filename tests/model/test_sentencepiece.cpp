// SentencePiece ("llama" tokenizer model) against llama.cpp on a vocabulary built by
// scripts/make-reference.py (tests/fixtures/spm_tokenizer.json; no Llama 2 file is needed).
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

#include "hetspec/model/sentencepiece.hpp"
#include "hetspec/model/tokenizer.hpp"
#include "../support/paths.hpp"

using namespace hetspec;
using nlohmann::json;

namespace {
json load_fixture(const std::string& name) {
  std::ifstream f(test::source_path("tests/fixtures/" + name));
  REQUIRE(f.good());
  return json::parse(f);
}
Tokenizer spm_from_fixture(const json& fx) {
  TokenizerData d;
  d.model = "llama";
  d.tokens = fx["vocab"]["tokens"].get<std::vector<std::string>>();
  d.scores = fx["vocab"]["scores"].get<std::vector<float>>();
  d.token_types = fx["vocab"]["token_types"].get<std::vector<int32_t>>();
  d.bos_id = fx["vocab"]["bos_id"];
  d.eos_id = fx["vocab"]["eos_id"];
  d.unk_id = fx["vocab"]["unk_id"];
  d.source = "spm_tokenizer.json";
  return Tokenizer(d);
}
}  // namespace

TEST_CASE("SentencePiece ids equal llama.cpp's on the constructed vocabulary", "[tokenizer]") {
  const json fx = load_fixture("spm_tokenizer.json");
  const Tokenizer tok = spm_from_fixture(fx);
  CHECK(tok.kind() == TokenizerKind::SentencePiece);
  CHECK(tok.add_bos());
  CHECK(tok.add_space_prefix());
  REQUIRE(fx["cases"].size() >= 10);
  for (const auto& c : fx["cases"]) {
    const std::string text = c["text"];
    INFO("text: " << json(text).dump());
    CHECK(tok.encode(text, true, true) == c["ids_bos_special"].get<std::vector<int32_t>>());
    CHECK(tok.encode(text, true, false) == c["ids_bos_plain"].get<std::vector<int32_t>>());
    CHECK(tok.encode(text, false, true) == c["ids_special"].get<std::vector<int32_t>>());
    CHECK(tok.encode(text, false, false) == c["ids_plain"].get<std::vector<int32_t>>());
    // llama-cpp-python's detokenize concatenates token_to_piece; our decode() also drops the dummy
    // prefix space, so it inverts encode().
    std::string pieces;
    for (int32_t id : c["ids_plain"].get<std::vector<int32_t>>()) pieces += tok.token_to_piece(id, false);
    CHECK(pieces == c["detok_plain"].get<std::string>());
    CHECK(tok.decode(tok.encode(text, false, false)) == text);
  }
}

TEST_CASE("SentencePiece merges by score and falls back to bytes", "[tokenizer]") {
  // "\xE2\x96\x81" is U+2581, SentencePiece's space marker.
  const std::string sp = "\xE2\x96\x81";
  TokenizerData d;
  d.model = "llama";
  d.tokens = {"<unk>", "<s>", "</s>", "<0x41>", "<0xC3>", "<0xA9>", sp, "a", "b", sp + "a", "ab", sp + "ab"};
  d.scores = {0, 0, 0, 0, 0, 0, -1, -2, -3, -5, -4, -6};
  d.token_types = {2, 3, 3, 6, 6, 6, 1, 1, 1, 1, 1, 1};
  Tokenizer tok(d);
  // "ab" (-4) beats "▁a" (-5); then "▁ab" merges "▁" + "ab".
  CHECK(tok.encode("ab", false) == std::vector<int32_t>{11});
  CHECK(tok.encode("ab", true) == std::vector<int32_t>{1, 11});
  // 'A' has no piece: byte token <0x41>; 'é' = C3 A9 bytes
  CHECK(tok.encode("A\xC3\xA9", false) == std::vector<int32_t>{6, 3, 4, 5});
  CHECK(tok.decode({6, 3, 4, 5}) == "A\xC3\xA9");
  CHECK(tok.decode({1, 11}, false) == "ab");
  CHECK(tok.token_to_piece(9) == " a");
  // a byte with neither <0xXX> nor a one-character piece becomes <unk>
  const SpmVocabView view{std::unordered_map<std::string, int32_t>{{"x", 0}}, std::vector<float>{0.f}, 0};
  CHECK(spm_byte_token('Q', view) == 0);
}
