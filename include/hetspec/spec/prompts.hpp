// Prompt sets (configs/prompts/*.jsonl): one JSON object per line with "id", "task", "prompt" and an
// optional "system". Strict: an unknown key, a missing or non-string field, a duplicate id or an
// empty file is an error naming the file and line.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace hetspec {

struct PromptItem {
  std::string id, task, prompt, system;
};

std::vector<PromptItem> load_prompts(const std::string& path);

class Tokenizer;
// Token ids of each prompt: through the model's chat template (one user turn, and the system message
// when given) when `chat` and the tokenizer has one, else the plain text. template_where names the
// template in errors.
// The text of each prompt as the model is given it: through the chat template when `chat` and the
// tokenizer has one (special tokens then appear as text, to be parsed as special), else as written.
std::vector<std::string> prompt_texts(const Tokenizer& tok, const std::vector<PromptItem>& prompts, bool chat,
                                      const std::string& template_where);
std::vector<std::vector<int32_t>> encode_prompts(const Tokenizer& tok, const std::vector<PromptItem>& prompts, bool chat,
                                                 const std::string& template_where);

}  // namespace hetspec
