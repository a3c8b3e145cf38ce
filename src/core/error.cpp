#include "hetspec/core/error.hpp"

namespace hetspec {

std::string key_path(const std::string& parent, const std::string& key) {
  if (parent.empty()) return key;
  if (!key.empty() && key[0] == '[') return parent + key;
  return parent + "." + key;
}

}  // namespace hetspec
