// Prompt sets (configs/prompts/*.jsonl): one JSON object per line with "id", "task", "prompt" and an
// optional "system". Strict: an unknown key, a missing or non-string field, a duplicate id or an
// empty file is an error naming the file and line.
#pragma once
#include <string>
#include <vector>

namespace hetspec {

struct PromptItem {
  std::string id, task, prompt, system;
};

std::vector<PromptItem> load_prompts(const std::string& path);

}  // namespace hetspec
