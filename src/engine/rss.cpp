#include "hetspec/engine/rss.hpp"

#include <fstream>
#include <sstream>
#include <string>

namespace hetspec {

namespace {
int64_t status_kb(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) {
      std::istringstream ss(line.substr(key.size() + 1));
      int64_t kb = -1;
      ss >> kb;
      return kb < 0 ? -1 : kb * 1024;
    }
  }
  return -1;
}
}  // namespace

int64_t current_rss_bytes() { return status_kb("VmRSS"); }
int64_t peak_rss_bytes() { return status_kb("VmHWM"); }

}  // namespace hetspec
