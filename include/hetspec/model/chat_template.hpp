// Chat prompts for instruct models without a Jinja engine: the GGUF's tokenizer.chat_template is
// only inspected to recognise its format (ChatML as in SmolLM2 / Qwen2, or Llama 3 headers) and the
// default system prompt it inserts; the prompt is then built by code that produces the same text as
// the template does for plain role/content messages (no tools, no images).
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace hetspec {

enum class ChatFormat {
  ChatML,  // <|im_start|>role\ncontent<|im_end|>\n ... <|im_start|>assistant\n
  Llama3,  // <|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|> ... (BOS comes from the tokenizer)
};

struct ChatMessage {
  std::string role;  // "system" | "user" | "assistant"
  std::string content;
};

const char* chat_format_name(ChatFormat f);
// From the template source: "<|im_start|>" -> ChatML, "<|start_header_id|>" -> Llama3; nullopt
// otherwise (an empty template gives nullopt too).
std::optional<ChatFormat> detect_chat_format(const std::string& tmpl);
// The system prompt a ChatML template inserts when the conversation has none, e.g. SmolLM2's
// "You are a helpful AI assistant named SmolLM, trained by Hugging Face"; "" if it inserts none.
std::string chat_template_default_system(const std::string& tmpl);

// Formats the messages. default_system is inserted first when non-empty and messages do not start
// with a system message. Llama 3 contents are trimmed of surrounding whitespace, as its template.
std::string format_chat(ChatFormat f, const std::vector<ChatMessage>& messages,
                        bool add_generation_prompt = true, const std::string& default_system = "");

// detect + default system + format. Throws Error(where, ...) when the template is not recognised
// and no fallback is given; with fallback, unrecognised/empty templates use it.
std::string apply_chat_template(const std::string& tmpl, const std::vector<ChatMessage>& messages,
                                bool add_generation_prompt = true, const std::string& where = "tokenizer.chat_template",
                                std::optional<ChatFormat> fallback = std::nullopt);

}  // namespace hetspec
