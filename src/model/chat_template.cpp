// ChatML and Llama-3 chat formatting (see chat_template.hpp); the strings mirror SmolLM2's template
// and llama.cpp's built-in llama3 template (llm_chat_apply_template).
#include "hetspec/model/chat_template.hpp"

#include "hetspec/core/error.hpp"

namespace hetspec {

namespace {

std::string trim(const std::string& s) {
  const char* ws = " \t\n\r\f\v";
  size_t a = s.find_first_not_of(ws);
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(ws);
  return s.substr(a, b - a + 1);
}

}  // namespace

const char* chat_format_name(ChatFormat f) {
  switch (f) {
    case ChatFormat::ChatML: return "chatml";
    case ChatFormat::Llama3: return "llama3";
  }
  return "?";
}

std::optional<ChatFormat> detect_chat_format(const std::string& tmpl) {
  if (tmpl.find("<|im_start|>") != std::string::npos) return ChatFormat::ChatML;
  if (tmpl.find("<|start_header_id|>") != std::string::npos) return ChatFormat::Llama3;
  return std::nullopt;
}

std::string chat_template_default_system(const std::string& tmpl) {
  // Look for a literal '<|im_start|>system\n<text><|im_end|>' inside a Jinja string; the text
  // must be plain (no quotes, expressions or concatenation), else the system prompt is dynamic.
  for (const char* head : {"<|im_start|>system\n", "<|im_start|>system\\n"}) {
    size_t p = tmpl.find(head);
    while (p != std::string::npos) {
      size_t start = p + std::string(head).size();
      size_t end = tmpl.find("<|im_end|>", start);
      if (end == std::string::npos) break;
      std::string text = tmpl.substr(start, end - start);
      if (!text.empty() && text.find_first_of("'\"{}+") == std::string::npos) {
        std::string out;
        for (size_t i = 0; i < text.size(); ++i) {
          if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == 'n') {
            out.push_back('\n');
            ++i;
          } else {
            out.push_back(text[i]);
          }
        }
        return out;
      }
      p = tmpl.find(head, p + 1);
    }
  }
  return "";
}

std::string format_chat(ChatFormat f, const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                        const std::string& default_system) {
  std::vector<ChatMessage> msgs;
  if (!default_system.empty() && (messages.empty() || messages[0].role != "system"))
    msgs.push_back({"system", default_system});
  msgs.insert(msgs.end(), messages.begin(), messages.end());
  std::string out;
  for (const ChatMessage& m : msgs) {
    if (f == ChatFormat::ChatML)
      out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
    else
      out += "<|start_header_id|>" + m.role + "<|end_header_id|>\n\n" + trim(m.content) + "<|eot_id|>";
  }
  if (add_generation_prompt) {
    if (f == ChatFormat::ChatML) out += "<|im_start|>assistant\n";
    else out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
  }
  return out;
}

std::string apply_chat_template(const std::string& tmpl, const std::vector<ChatMessage>& messages,
                                bool add_generation_prompt, const std::string& where,
                                std::optional<ChatFormat> fallback) {
  std::optional<ChatFormat> f = detect_chat_format(tmpl);
  if (!f) f = fallback;
  if (!f)
    throw Error(where, tmpl.empty() ? "the model has no chat template"
                                    : "unrecognised chat template (supported: ChatML, Llama 3)");
  std::string system = *f == ChatFormat::ChatML ? chat_template_default_system(tmpl) : "";
  return format_chat(*f, messages, add_generation_prompt, system);
}

}  // namespace hetspec
