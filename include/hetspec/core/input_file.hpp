// Input paths are checked before they are opened: open() on a named pipe blocks until a writer
// appears (forever, for a typo'd path in a directory of FIFOs), and a directory "opens" fine with
// std::ifstream and then fails somewhere confusing. Every reader (YAML, JSON, JSONL, GGUF) calls
// check_regular_file first, so bad paths are one clear line and never a hang.
// Text inputs are bounded too: a parser's memory grows with its input (yaml-cpp takes ~160 bytes
// per byte of a long list), so YAML and JSON files above a size cap are an error before parsing.
#pragma once
#include <cstdint>
#include <string>

namespace hetspec {

// Throws Error(path, ...) unless path names a regular file (symlinks followed): "cannot open: No such
// file or directory", "is a directory, expected a file", "is a named pipe, expected a regular file", ...
void check_regular_file(const std::string& path);

// Size caps for text inputs, ~100x the largest real file of each kind (a measured profile: 32 KB;
// a validation.json of 50 plans: ~0.5 MB).
inline constexpr uint64_t kMaxYamlBytes = uint64_t(4) << 20;
inline constexpr uint64_t kMaxJsonBytes = uint64_t(64) << 20;
// check_regular_file, then Error(path, "N bytes, above the M MiB limit for <kind> input") when larger.
void check_input_file(const std::string& path, uint64_t max_bytes, const std::string& kind);

// True when stat(path) succeeds. Never throws: a name too long for a path (ENAMETOOLONG), a
// component that is not a directory or no permission all mean "no such path", so a caller that
// tries a string as a file first can fall back to reading it as something else.
bool path_exists(const std::string& path);

}  // namespace hetspec
