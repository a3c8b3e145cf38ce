// Chat formatting against the prompts that SmolLM2-Instruct's Jinja template produced (rendered by
// jinja2 in scripts/make-reference.py, stored in tests/fixtures/smollm2_greedy.json).
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

#include "hetspec/core/error.hpp"
#include "hetspec/model/chat_template.hpp"
#include "../support/paths.hpp"

using namespace hetspec;

namespace {
// tokenizer.chat_template of SmolLM2-135M-Instruct.Q4_1.gguf (copied verbatim).
const std::string kSmolTemplate =
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ "
    "'<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' "
    "}}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% "
    "endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";
}  // namespace

TEST_CASE("SmolLM2's template: ChatML with its default system prompt", "[tokenizer]") {
  CHECK(detect_chat_format(kSmolTemplate) == ChatFormat::ChatML);
  CHECK(chat_template_default_system(kSmolTemplate) ==
        "You are a helpful AI assistant named SmolLM, trained by Hugging Face");
  std::ifstream f(test::source_path("tests/fixtures/smollm2_greedy.json"));
  REQUIRE(f.good());
  const auto fx = nlohmann::json::parse(f);
  int n = 0;
  for (const auto& r : fx["runs"]) {
    if (r["kind"] != "chat") continue;
    ++n;
    CHECK(apply_chat_template(kSmolTemplate, {{"user", r["user_text"]}}) == r["prompt_text"].get<std::string>());
  }
  CHECK(n >= 2);
  // an explicit system message replaces the default one
  CHECK(apply_chat_template(kSmolTemplate, {{"system", "Be brief."}, {"user", "Hi"}}) ==
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
}

TEST_CASE("Llama 3 header format and unrecognised templates", "[tokenizer]") {
  const std::string l3 = "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' }}";
  CHECK(detect_chat_format(l3) == ChatFormat::Llama3);
  CHECK(apply_chat_template(l3, {{"user", "  Hi there \n"}}) ==
        "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n");
  CHECK(format_chat(ChatFormat::ChatML, {{"user", "x"}}, false) == "<|im_start|>user\nx<|im_end|>\n");
  // Qwen-style literal default with an escaped newline
  CHECK(chat_template_default_system("{{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}") ==
        "You are a helpful assistant.");
  CHECK(chat_template_default_system("{{ '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>' }}") == "");
  CHECK_THROWS_WITH(apply_chat_template("[INST] {{ x }}", {{"user", "x"}}, true, "m.gguf: tokenizer.chat_template"),
                    "m.gguf: tokenizer.chat_template: unrecognised chat template (supported: ChatML, Llama 3)");
  CHECK(apply_chat_template("", {{"user", "x"}}, true, "", ChatFormat::ChatML) ==
        "<|im_start|>user\nx<|im_end|>\n<|im_start|>assistant\n");
}
