#include "hetspec/core/bundled.hpp"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "hetspec/core/error.hpp"

namespace hetspec {

namespace fs = std::filesystem;

namespace {
struct KindInfo {
  const char* dir;   // under configs/
  const char* ext;   // tried when the name has none
  const char* noun;  // for the error
};

KindInfo info(Bundled k) {
  switch (k) {
    case Bundled::Soc: return {"socs", ".yaml", "SoC"};
    case Bundled::Model: return {"models", ".yaml", "model"};
    case Bundled::Plan: return {"plans", ".yaml", "plan"};
    case Bundled::Prompts: return {"prompts", ".jsonl", "prompt set"};
  }
  return {"", "", ""};
}

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}
}  // namespace

std::vector<std::string> bundled_config_dirs() {
  std::vector<std::string> dirs;
  if (const char* d = std::getenv("HETSPEC_DATA_DIR"); d && *d) dirs.push_back((fs::path(d) / "configs").string());
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path up = exe.parent_path().parent_path();
    dirs.push_back((up / "share" / "hetspec" / "configs").lexically_normal().string());
    dirs.push_back((up / "configs").lexically_normal().string());
  }
  return dirs;
}

std::string resolve_bundled(const std::string& arg, Bundled kind) {
  if (arg.empty() || arg.find('/') != std::string::npos || is_file(arg)) return arg;
  const KindInfo k = info(kind);
  std::string looked;
  for (const auto& d : bundled_config_dirs()) {
    const fs::path dir = fs::path(d) / k.dir;
    for (const fs::path& p : {dir / arg, dir / (arg + k.ext)})
      if (p.extension() == k.ext && is_file(p)) return p.string();
    looked += (looked.empty() ? "" : ", ") + dir.string();
  }
  throw Error(arg, std::string("no such file, and no bundled ") + k.noun + " of that name (looked in " +
                       (looked.empty() ? "no data directory" : looked) + ")");
}

}  // namespace hetspec
