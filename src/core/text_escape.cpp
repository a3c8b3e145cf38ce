#include "hetspec/core/text_escape.hpp"

#include <cctype>
#include <cstdio>

#include "hetspec/core/utf8.hpp"

namespace hetspec {

std::string csv_field(std::string_view s, bool always) {
  const bool quote = always || s.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!s.empty() && (s.front() == ' ' || s.back() == ' '));
  if (!quote) return std::string(s);
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

namespace {
bool plain_ok(std::string_view s) {
  if (s.empty()) return false;
  const unsigned char first = static_cast<unsigned char>(s.front());
  if (!std::isalpha(first) && first != '_' && first != '/') return false;  // digits: could read as numbers
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (!std::isalnum(c) && c != '_' && c != '.' && c != '/' && c != '+' && c != '-') return false;
  }
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* kw : {"null", "true", "false", "yes", "no", "on", "off", "y", "n", "nan", ".nan", "inf", ".inf"})
    if (lower == kw) return false;
  return true;
}
}  // namespace

std::string yaml_scalar(std::string_view s) {
  if (plain_ok(s)) return std::string(s);
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t n = utf8_sequence_length(s, i);
    if (c == '"' || c == '\\') out += '\\', out += static_cast<char>(c);
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7F || n == 0) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02X", c);
      out += b;
    } else {
      out.append(s.substr(i, n));
      i += n;
      continue;
    }
    ++i;
  }
  return out + "\"";
}

std::string shell_word(std::string_view a) {
  static const std::string_view safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,+@%";
  if (!a.empty() && a.find_first_not_of(safe) == std::string_view::npos) return std::string(a);
  std::string s = "'";
  for (char c : a) s += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return s + "'";
}

}  // namespace hetspec
