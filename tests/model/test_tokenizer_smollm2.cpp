// The tokenizer read from SmolLM2-135M-Instruct Q4_1 against llama.cpp's ids
// (tests/fixtures/smollm2_tokenizer.json and smollm2_greedy.json, made by scripts/make-reference.py),
// and tokenizer metadata errors on small GGUF files written in memory.
#include <catch2/catch.hpp>

#include <fstream>
#include <random>
#include <nlohmann/json.hpp>

#include "hetspec/core/error.hpp"
#include "hetspec/model/chat_template.hpp"
#include "hetspec/model/gguf_file.hpp"
#include "hetspec/model/gguf_writer.hpp"
#include "hetspec/model/tokenizer_gguf.hpp"
#include "../support/paths.hpp"

using namespace hetspec;
using nlohmann::json;

namespace {
json load_fixture(const std::string& name) {
  std::ifstream f(test::source_path("tests/fixtures/" + name));
  REQUIRE(f.good());
  return json::parse(f);
}
TokenizerData smollm2_data() {
  const std::string path = test::smollm2_path();
  INFO("SmolLM2-135M-Instruct.Q4_1.gguf not found: run scripts/fetch-models.sh (or set HETSPEC_MODEL)");
  REQUIRE(!path.empty());
  return tokenizer_data_from_gguf(GgufFile::open(path));
}
std::vector<int32_t> ids(const json& j) { return j.get<std::vector<int32_t>>(); }
}  // namespace

TEST_CASE("SmolLM2 tokenizer metadata", "[tokenizer][smollm2]") {
  const TokenizerData d = smollm2_data();
  CHECK(d.model == "gpt2");
  CHECK(d.pre == "smollm");
  CHECK(d.tokens.size() == 49152);
  CHECK(d.merges.size() == 48900);
  CHECK(d.bos_id == 1);
  CHECK(d.eos_id == 2);
  CHECK(d.add_bos == false);
  const Tokenizer tok(d);
  CHECK(tok.kind() == TokenizerKind::Bpe);
  CHECK(tok.pre() == PreTokenizer::Smollm);
  CHECK(tok.token_text(1) == "<|im_start|>");
  CHECK(tok.token_type(1) == TokenType::Control);
  CHECK(tok.is_eog(2));  // <|im_end|>
  CHECK(tok.is_eog(0));  // <|endoftext|>
  CHECK_FALSE(tok.is_eog(1));
  CHECK(detect_chat_format(tok.chat_template()) == ChatFormat::ChatML);
}

TEST_CASE("SmolLM2 encode equals llama.cpp on the reference text set; decode inverts it", "[tokenizer][smollm2]") {
  const Tokenizer tok(smollm2_data());
  const json fx = load_fixture("smollm2_tokenizer.json");
  REQUIRE(fx["cases"].size() >= 30);
  for (const auto& c : fx["cases"]) {
    const std::string text = c["text"];
    INFO("text: " << json(text).dump());
    const auto with_special = tok.encode(text, false, true);
    CHECK(with_special == ids(c["ids_special"]));
    CHECK(tok.encode(text, false, false) == ids(c["ids_plain"]));
    CHECK(tok.decode(with_special) == text);
    CHECK(tok.decode(tok.encode(text, false, false)) == text);
    CHECK(tok.decode(ids(c["ids_special"])) == c["detok_special"].get<std::string>());
  }
}

TEST_CASE("llama-bpe, qwen2, gpt-2 and default pre-tokenizers equal llama.cpp (SmolLM2 vocabulary)", "[tokenizer][smollm2]") {
  const TokenizerData base = smollm2_data();
  const json fx = load_fixture("smollm2_tokenizer.json");
  const json& variants = fx["pre_variants"]["ids"];
  REQUIRE(variants.size() == 4);
  for (const auto& [pre, lists] : variants.items()) {
    TokenizerData d = base;
    d.pre = pre;
    const Tokenizer tok(d);
    REQUIRE(lists.size() == fx["cases"].size());
    for (size_t i = 0; i < lists.size(); ++i) {
      const std::string text = fx["cases"][i]["text"];
      INFO("pre " << pre << ", text: " << json(text).dump());
      CHECK(tok.encode(text, false, false) == ids(lists[i]));
    }
  }
}

TEST_CASE("SmolLM2 greedy-fixture prompts tokenize as llama.cpp did, chat ones via our ChatML", "[tokenizer][smollm2]") {
  const Tokenizer tok(smollm2_data());
  const json fx = load_fixture("smollm2_greedy.json");
  REQUIRE(fx["runs"].size() >= 5);
  for (const auto& r : fx["runs"]) {
    const std::string text = r["prompt_text"];
    INFO("prompt: " << json(text).dump());
    CHECK(tok.encode(text, true, true) == ids(r["prompt_ids"]));
    if (r["kind"] == "chat")
      CHECK(apply_chat_template(tok.chat_template(), {{"user", r["user_text"]}}) == text);
  }
}

TEST_CASE("SmolLM2 tokenizer takes malformed UTF-8 without crashing", "[tokenizer][smollm2]") {
  const Tokenizer tok(smollm2_data());
  const auto out = tok.encode("ok \xFF\xC3 end\xE4\xB8", false, true);
  CHECK(!out.empty());
  // each malformed byte becomes U+FFFD, as in llama.cpp
  CHECK(tok.decode(out) == "ok \xEF\xBF\xBD\xEF\xBF\xBD end\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_CASE("decode(encode(x)) == x for random Unicode text under every pre-tokenizer", "[tokenizer][smollm2]") {
  const TokenizerData base = smollm2_data();
  std::mt19937 rng(11);
  // code points from ASCII, Latin-1, Greek/Cyrillic, CJK, Hangul, emoji, and whitespace/controls
  const std::vector<std::pair<uint32_t, uint32_t>> blocks = {
      {0x20, 0x7E}, {0x09, 0x0D}, {0xA0, 0xFF}, {0x370, 0x4FF}, {0x4E00, 0x4E80}, {0xAC00, 0xAC40},
      {0x1F300, 0x1F64F}, {0x2000, 0x206F}, {0x3000, 0x3010}, {0x660, 0x669}};
  for (const char* pre : {"smollm", "llama-bpe", "qwen2", "gpt-2", "default"}) {
    TokenizerData d = base;
    d.pre = pre;
    const Tokenizer tok(d);
    for (int trial = 0; trial < 100; ++trial) {
      std::string s;
      const int n = int(rng() % 40);
      for (int i = 0; i < n; ++i) {
        const auto& [lo, hi] = blocks[rng() % blocks.size()];
        append_utf8(s, lo + uint32_t(rng() % (hi - lo + 1)));
      }
      INFO("pre " << pre << ", text: " << json(s).dump());
      REQUIRE(tok.decode(tok.encode(s, false, true)) == s);
    }
  }
}

TEST_CASE("tokenizer metadata of the wrong type or missing gives one clear error", "[tokenizer]") {
  GgufWriter w;
  w.set_string("general.architecture", "llama");
  w.set_string("tokenizer.ggml.model", "gpt2");
  w.set_string("tokenizer.ggml.pre", "qwen2");
  w.set_string_array("tokenizer.ggml.tokens", {"a", "b", "ab", "\xC4\xA0"});  // last: byte-level ' '
  w.set_string_array("tokenizer.ggml.merges", {"a b"});
  w.set_u32("tokenizer.ggml.eos_token_id", 2);
  w.set_bool("tokenizer.ggml.add_bos_token", false);
  w.set_string("tokenizer.chat_template", "<|im_start|>");
  auto open = [](const GgufWriter& g) { return GgufFile::from_bytes(g.to_bytes(), "t.gguf"); };
  {
    const TokenizerData d = tokenizer_data_from_gguf(open(w));
    CHECK(d.pre == "qwen2");
    CHECK(d.eos_id == 2);
    CHECK(d.bos_id == -1);
    CHECK(d.add_bos == false);
    CHECK_FALSE(d.add_eos.has_value());
    CHECK(d.chat_template == "<|im_start|>");
    const Tokenizer tok(d);
    CHECK(tok.encode("ab ab") == std::vector<int32_t>{2, 3, 2});
  }
  GgufWriter bad = w;
  bad.set_u32("tokenizer.ggml.tokens", 3);
  CHECK_THROWS_WITH(tokenizer_data_from_gguf(open(bad)), Catch::StartsWith("t.gguf: tokenizer.ggml.tokens: "));
  bad = w;
  bad.set_u32("tokenizer.ggml.add_bos_token", 1);
  CHECK_THROWS_WITH(tokenizer_data_from_gguf(open(bad)), Catch::StartsWith("t.gguf: tokenizer.ggml.add_bos_token: "));
  bad = w;
  bad.remove("tokenizer.ggml.model");
  CHECK_THROWS_WITH(tokenizer_data_from_gguf(open(bad)), Catch::StartsWith("t.gguf: tokenizer.ggml.model: "));
  bad = w;
  bad.set_bool("tokenizer.ggml.add_bos_token", true);
  bad.set_u32("tokenizer.ggml.bos_token_id", 70000);
  CHECK_THROWS_WITH(tokenizer_from_gguf(open(bad)),
                    "t.gguf: tokenizer.ggml.bos_token_id: token id 70000 out of range (vocabulary 4)");
  bad = w;
  bad.set_string("tokenizer.ggml.pre", "tekken");
  CHECK_THROWS_WITH(tokenizer_from_gguf(open(bad)), Catch::StartsWith("t.gguf: tokenizer.ggml.pre: unsupported pre-tokenizer 'tekken'"));
}
