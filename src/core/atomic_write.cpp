#include "hetspec/core/atomic_write.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "hetspec/core/error.hpp"
#include "hetspec/core/input_file.hpp"

namespace hetspec {
namespace fs = std::filesystem;

namespace {
std::string temp_name(const std::string& path) { return path + ".tmp." + std::to_string(::getpid()); }

void write_temp(const std::string& tmp, const std::string& content) {
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw Error(tmp, std::string("cannot create: ") + std::strerror(errno));
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw Error(tmp, std::string("write failed: ") + std::strerror(e));
    }
    off += static_cast<size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
}
}  // namespace

void write_file_atomic(const std::string& path, const std::string& content) {
  AtomicWriteSet set;
  set.add(path, content);
  set.commit();
}

void AtomicWriteSet::add(const std::string& path, std::string content) {
  files_.emplace_back(path, std::move(content));
}

void AtomicWriteSet::commit() {
  std::vector<std::string> temps;
  try {
    for (auto& [path, content] : files_) {
      fs::path parent = fs::path(path).parent_path();
      std::error_code ec;
      if (!parent.empty()) fs::create_directories(parent, ec);
      if (ec) throw Error(parent.string(), "cannot create directory: " + ec.message());
      std::string tmp = temp_name(path);
      write_temp(tmp, content);
      temps.push_back(tmp);
    }
  } catch (...) {
    for (auto& t : temps) ::unlink(t.c_str());
    throw;
  }
  for (size_t i = 0; i < files_.size(); ++i) {
    if (::rename(temps[i].c_str(), files_[i].first.c_str()) != 0)
      throw Error(files_[i].first, std::string("rename failed: ") + std::strerror(errno));
  }
  files_.clear();
}

std::string read_file(const std::string& path) {
  check_regular_file(path);  // before opening: a named pipe would block, a directory reads as empty
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path, std::string("cannot read: ") + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace hetspec
