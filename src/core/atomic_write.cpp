#include "hetspec/core/atomic_write.hpp"

#include <fcntl.h>
#include <sys/stat.h>
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

// What commit() has done so far, so that a failure can undo exactly that.
struct AtomicWriteSet::Undo {
  std::vector<std::string> made_dirs;          // directories it created, outermost first
  std::vector<std::string> temps;              // staged temps not yet renamed ("" once renamed)
  std::vector<std::string> backups;            // per file: a hard link to the previous file, or ""
  std::vector<bool> renamed;                   // per file: the new content is in place
};

namespace {
// Creates `dir` and its missing parents, recording each one it made (outermost first).
void make_dirs(const fs::path& dir, std::vector<std::string>& made) {
  if (dir.empty()) return;
  std::vector<fs::path> missing;
  std::error_code ec;
  for (fs::path p = dir; !p.empty() && !fs::exists(fs::symlink_status(p, ec)); p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (!fs::create_directory(*it, ec) && ec) throw Error(dir.string(), "cannot create directory: " + ec.message());
    made.push_back(it->string());
  }
}

// Keeps the previous file at `path` reachable as `backup` (a hard link, so `path` stays in place
// until its replacement is renamed over it). Returns false when there is no previous regular file.
bool keep_previous(const std::string& path, const std::string& backup) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) return false;
  ::unlink(backup.c_str());
  if (::link(path.c_str(), backup.c_str()) == 0) return true;
  if (::rename(path.c_str(), backup.c_str()) == 0) return true;  // no hard links here: move it aside
  throw Error(path, std::string("cannot keep the previous file: ") + std::strerror(errno));
}
}  // namespace

void AtomicWriteSet::rollback(Undo& u) {
  for (size_t i = 0; i < u.backups.size(); ++i) {
    const std::string& path = files_[i].first;
    const std::string& backup = u.backups[i];
    struct stat st {};
    if (backup.empty()) {
      if (u.renamed[i]) ::unlink(path.c_str());  // a file that was not there before
    } else if (u.renamed[i] || ::lstat(path.c_str(), &st) != 0) {
      ::rename(backup.c_str(), path.c_str());  // the previous file again
    } else {
      ::unlink(backup.c_str());  // a hard link to the untouched previous file (rename onto it would do nothing)
    }
  }
  for (auto& t : u.temps)
    if (!t.empty()) ::unlink(t.c_str());
  for (auto it = u.made_dirs.rbegin(); it != u.made_dirs.rend(); ++it) ::rmdir(it->c_str());
}

void AtomicWriteSet::commit() {
  Undo u;
  try {
    for (auto& [path, content] : files_) {
      make_dirs(fs::path(path).parent_path(), u.made_dirs);
      std::string tmp = temp_name(path);
      write_temp(tmp, content);
      u.temps.push_back(tmp);
    }
    for (auto& f : files_) {
      std::string backup = f.first + ".old." + std::to_string(::getpid());
      u.backups.push_back(keep_previous(f.first, backup) ? backup : "");
      u.renamed.push_back(false);
    }
    for (size_t i = 0; i < files_.size(); ++i) {
      const std::string& path = files_[i].first;
      if (::rename(u.temps[i].c_str(), path.c_str()) != 0) {
        int e = errno;
        throw Error(path, e == EISDIR ? std::string("is a directory, cannot write a file there")
                                      : std::string("cannot replace: ") + std::strerror(e));
      }
      u.temps[i].clear();
      u.renamed[i] = true;
    }
  } catch (...) {
    rollback(u);
    throw;
  }
  for (auto& b : u.backups)
    if (!b.empty()) ::unlink(b.c_str());
  files_.clear();
}

std::string read_file(const std::string& path) {
  check_input_file(path, kMaxJsonBytes, "text");  // before opening: a named pipe would block, a directory reads as empty
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path, std::string("cannot read: ") + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace hetspec
