// Sets an environment variable for one scope and restores what was there before (tests that need
// a setting a child process or a lazily-read option sees, e.g. HETSPEC_CPU_REPACK=0).
#pragma once
#include <cstdlib>
#include <optional>
#include <string>

namespace hetspec::test {

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value, bool active = true) : name_(name), active_(active) {
    if (!active_) return;
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (!active_) return;
    if (old_) ::setenv(name_.c_str(), old_->c_str(), 1);
    else ::unsetenv(name_.c_str());
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  bool active_;
  std::optional<std::string> old_;
};

}  // namespace hetspec::test
