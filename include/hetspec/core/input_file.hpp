// Input paths are checked before they are opened: open() on a named pipe blocks until a writer
// appears (forever, for a typo'd path in a directory of FIFOs), and a directory "opens" fine with
// std::ifstream and then fails somewhere confusing. Every reader (YAML, JSON, JSONL, GGUF) calls
// check_regular_file first, so bad paths are one clear line and never a hang.
#pragma once
#include <string>

namespace hetspec {

// Throws Error(path, ...) unless path names a regular file (symlinks followed): "cannot open: No such
// file or directory", "is a directory, expected a file", "is a named pipe, expected a regular file", ...
void check_regular_file(const std::string& path);

// True when stat(path) succeeds. Never throws: a name too long for a path (ENAMETOOLONG), a
// component that is not a directory or no permission all mean "no such path", so a caller that
// tries a string as a file first can fall back to reading it as something else.
bool path_exists(const std::string& path);

}  // namespace hetspec
