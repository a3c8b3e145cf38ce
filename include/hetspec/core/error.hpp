// Errors with context. Every user-facing failure names where it happened ("file: key.path: what"),
// so a bad config gets one clear line. The CLI maps Error to exit code 2; nothing calls exit() deeper.
#pragma once
#include <stdexcept>
#include <string>

namespace hetspec {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
  // where: "configs/models/x.yaml: layers" (file and key path), or "" when there is no location.
  Error(const std::string& where, const std::string& what)
      : std::runtime_error(where.empty() ? what : where + ": " + what) {}
};

// Joins a key path: key_path("pus[1]", "mem_bw_gbps") == "pus[1].mem_bw_gbps".
std::string key_path(const std::string& parent, const std::string& key);

// Throws Error(where, what) unless cond.
inline void check(bool cond, const std::string& where, const std::string& what) {
  if (!cond) throw Error(where, what);
}

}  // namespace hetspec
