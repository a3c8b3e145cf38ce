// Why: names come from users' files (a PU id, a SoC or model name, a GGUF's general.name) and end up
// inside CSV rows and hand-written YAML. Unquoted, a comma splits a CSV row and a ':' or '#' or a
// newline makes a YAML file unloadable (issue 10). Every writer of such text goes through these two.
#pragma once
#include <string>
#include <string_view>

namespace hetspec {

// One CSV field (RFC 4180): as it is when harmless, else in double quotes with '"' doubled. Quoted
// when it holds ',', '"', CR or LF, or starts or ends with a space, or always when `always`.
std::string csv_field(std::string_view s, bool always = false);

// One YAML scalar, usable as a value or a key, in block or flow context: plain when it is a simple
// word ([A-Za-z0-9_./+-], not a YAML keyword or number-looking), else double-quoted with
// YAML escapes (\" \\ \n \t, control bytes and invalid UTF-8 bytes as \xNN). Loads back as `s` (bytes
// that were not UTF-8 come back as the Latin-1 characters of those bytes).
std::string yaml_scalar(std::string_view s);
// One argument for a POSIX shell: as is when it holds only safe characters, else single-quoted.
std::string shell_word(std::string_view s);

}  // namespace hetspec
