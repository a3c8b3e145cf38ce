#include "hetspec/core/subprocess.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "hetspec/core/error.hpp"
#include "hetspec/core/atomic_write.hpp"

extern char** environ;

namespace hetspec {

namespace {
// A temp file removed when it goes out of scope.
struct TempFile {
  std::string path;
  TempFile() {
    char tmpl[] = "/tmp/hetspec-child-XXXXXX";
    const int fd = mkstemp(tmpl);
    if (fd < 0) throw Error("run_process", std::string("cannot create a temporary file: ") + std::strerror(errno));
    close(fd);
    path = tmpl;
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
};
}  // namespace

std::string tail_line(const std::string& text, size_t max_chars) {
  std::string t = text.size() > max_chars ? text.substr(text.size() - max_chars) : text;
  for (char& c : t)
    if (c == '\n' || c == '\r') c = ' ';
  size_t a = t.find_first_not_of(' '), b = t.find_last_not_of(' ');
  return a == std::string::npos ? "" : t.substr(a, b - a + 1);
}

ProcessResult run_process(const std::vector<std::string>& argv, double timeout_s) {
  if (argv.empty()) throw Error("run_process", "no program given");
  if (access(argv[0].c_str(), X_OK) != 0) throw Error(argv[0], "is not an executable program");
  TempFile out, err;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.path.c_str(), O_WRONLY | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err.path.c_str(), O_WRONLY | O_TRUNC, 0600);
  // The child starts with default signal handling (hetspec's Ctrl-C handler must not be inherited as
  // "ignore" by a tool that should die with it).
  posix_spawnattr_t at;
  posix_spawnattr_init(&at);
  sigset_t all;
  sigemptyset(&all);
  sigaddset(&all, SIGINT);
  sigaddset(&all, SIGPIPE);
  posix_spawnattr_setsigdefault(&at, &all);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const auto t0 = std::chrono::steady_clock::now();
  const int rc = posix_spawn(&pid, argv[0].c_str(), &fa, &at, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  if (rc != 0) throw Error(argv[0], std::string("cannot be started: ") + std::strerror(rc));
  ProcessResult r;
  int status = 0;
  for (;;) {
    const pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) throw Error(argv[0], std::string("waitpid failed: ") + std::strerror(errno));
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > timeout_s && !r.timed_out) {
      r.timed_out = true;
      kill(pid, SIGKILL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.out = read_file(out.path);
  r.err = read_file(err.path);
  return r;
}

std::string run_tool_output(const std::vector<std::string>& argv, double timeout_s) {
  const ProcessResult p = run_process(argv, timeout_s);
  if (p.timed_out) throw Error(argv[0], "did not finish within " + std::to_string(int(timeout_s)) + " s (killed)");
  if (p.exit_code != 0)
    throw Error(argv[0], "failed (" + (p.signal ? "signal " + std::to_string(p.signal) : "exit " + std::to_string(p.exit_code)) +
                             "): " + tail_line(p.err));
  return p.err + "\n" + p.out;
}

}  // namespace hetspec
