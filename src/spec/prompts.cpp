#include "hetspec/spec/prompts.hpp"

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "hetspec/core/atomic_write.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/model/chat_template.hpp"
#include "hetspec/model/tokenizer.hpp"

namespace hetspec {

std::vector<PromptItem> load_prompts(const std::string& path) {
  const std::string text = read_file(path);
  std::vector<PromptItem> out;
  std::set<std::string> ids;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ": line " + std::to_string(n);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw Error(where, std::string("not valid JSON (") + e.what() + ")");
    }
    if (!j.is_object()) throw Error(where, "expected a JSON object {\"id\", \"task\", \"prompt\"}");
    PromptItem p;
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& k = it.key();
      std::string* dst = k == "id" ? &p.id : k == "task" ? &p.task : k == "prompt" ? &p.prompt : k == "system" ? &p.system : nullptr;
      if (!dst) throw Error(where + ": " + k, "unknown key (id, task, prompt, system)");
      if (!it.value().is_string()) throw Error(where + ": " + k, "must be a string");
      *dst = it.value().get<std::string>();
    }
    for (auto [k, v] : {std::pair{"id", &p.id}, std::pair{"prompt", &p.prompt}})
      if (v->empty()) throw Error(where + ": " + k, "missing or empty");
    if (!ids.insert(p.id).second) throw Error(where + ": id", "duplicate id '" + p.id + "'");
    out.push_back(std::move(p));
  }
  if (out.empty()) throw Error(path, "no prompts (expected JSON lines with id, task, prompt)");
  return out;
}

std::vector<std::string> prompt_texts(const Tokenizer& tok, const std::vector<PromptItem>& prompts, bool chat,
                                      const std::string& template_where) {
  std::vector<std::string> out;
  for (const auto& p : prompts) {
    if (chat && !tok.chat_template().empty()) {
      std::vector<ChatMessage> msgs;
      if (!p.system.empty()) msgs.push_back({"system", p.system});
      msgs.push_back({"user", p.prompt});
      out.push_back(apply_chat_template(tok.chat_template(), msgs, true, template_where));
    } else {
      out.push_back(p.prompt);
    }
  }
  return out;
}

std::vector<std::vector<int32_t>> encode_prompts(const Tokenizer& tok, const std::vector<PromptItem>& prompts, bool chat,
                                                 const std::string& template_where) {
  const bool templated = chat && !tok.chat_template().empty();
  const std::vector<std::string> texts = prompt_texts(tok, prompts, chat, template_where);
  std::vector<std::vector<int32_t>> ids;
  for (size_t i = 0; i < prompts.size(); ++i) {
    std::vector<int32_t> t = tok.encode(texts[i], true, templated);
    check(!t.empty(), "prompt " + prompts[i].id, "encodes to no tokens");
    ids.push_back(std::move(t));
  }
  return ids;
}

}  // namespace hetspec
