// Output files are written whole or not at all: write to "<path>.tmp.<pid>", fsync, rename.
// A failed run therefore never leaves a partial report or sweep result behind.
#pragma once
#include <string>
#include <vector>

namespace hetspec {

void write_file_atomic(const std::string& path, const std::string& content);

// Several outputs of one command, committed together or not at all: all are staged as temp files
// first and renamed only when every one was written; the previous files are kept (hard links
// "<path>.old.<pid>") until every rename succeeded. If one rename fails (a directory in the way),
// the previous files are put back, new ones and temps removed, and directories it made removed.
class AtomicWriteSet {
 public:
  void add(const std::string& path, std::string content);
  void commit();  // creates parent directories, writes temps, renames all
 private:
  struct Undo;
  void rollback(Undo& u);
  std::vector<std::pair<std::string, std::string>> files_;
};

std::string read_file(const std::string& path);  // throws Error("path", "cannot read: ...") (kMaxJsonBytes cap)

}  // namespace hetspec
