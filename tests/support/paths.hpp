// Where tests find the real model and the repository's files.
#pragma once
#include <cstdlib>
#include <filesystem>
#include <string>

namespace hetspec::test {

inline std::string source_path(const std::string& rel) { return std::string(HETSPEC_SOURCE_DIR) + "/" + rel; }

// SmolLM2-135M-Instruct Q4_1 (scripts/fetch-models.sh): $HETSPEC_MODEL, else the default cache path.
// Returns "" when absent, and tests needing it then fail with a message saying how to fetch it.
inline std::string smollm2_path() {
  if (const char* p = std::getenv("HETSPEC_MODEL"); p && *p) return p;
  std::string cache;
  if (const char* c = std::getenv("HETSPEC_CACHE"); c && *c) cache = c;
  else if (const char* h = std::getenv("HOME")) cache = std::string(h) + "/.cache/hetspec";
  std::string p = cache + "/models/SmolLM2-135M-Instruct.Q4_1.gguf";
  return std::filesystem::exists(p) ? p : "";
}

}  // namespace hetspec::test
