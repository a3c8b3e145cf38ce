// UTF-8 checks for text that ends up in JSON: nlohmann::json throws on invalid UTF-8 when it dumps,
// which would turn a byte-level token piece or a Latin-1 name into an internal error mid-output.
#pragma once
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace hetspec {

// Length of the valid UTF-8 sequence starting at s[i] (1..4), or 0 when s[i] does not start one
// (stray continuation byte, overlong form, surrogate, > U+10FFFF, truncated).
size_t utf8_sequence_length(std::string_view s, size_t i);
bool is_valid_utf8(std::string_view s);
// A JSON string literal of s ("..." with JSON escapes) where each byte that is not part of valid
// UTF-8 is written as \xNN: not JSON for such text, but lossless and readable, for display only.
std::string quote_bytes(std::string_view s);
// j.dump(indent) that never throws on invalid UTF-8 in strings: such bytes become U+FFFD. Every
// JSON writer goes through this, so a Latin-1 name in a GGUF or a YAML config cannot crash a write.
std::string json_text(const nlohmann::json& j, int indent = -1);

}  // namespace hetspec
