#include "hetspec/core/input_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "hetspec/core/error.hpp"

namespace hetspec {

void check_regular_file(const std::string& path) {
  if (path.empty()) throw Error("\"\"", "an empty file name (an unset variable in the command line?)");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw Error(path, std::string("cannot open: ") + std::strerror(errno));
  if (S_ISREG(st.st_mode)) return;
  if (S_ISDIR(st.st_mode)) throw Error(path, "is a directory, expected a file");
  if (S_ISFIFO(st.st_mode)) throw Error(path, "is a named pipe, expected a regular file");
  if (S_ISSOCK(st.st_mode)) throw Error(path, "is a socket, expected a regular file");
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) throw Error(path, "is a device, expected a regular file");
  throw Error(path, "not a regular file");
}

void check_input_file(const std::string& path, uint64_t max_bytes, const std::string& kind) {
  check_regular_file(path);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && uint64_t(st.st_size) > max_bytes)
    throw Error(path, std::to_string(st.st_size) + " bytes, above the " + std::to_string(max_bytes >> 20) + " MiB limit for " +
                          kind + " input");
}

bool path_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace hetspec
