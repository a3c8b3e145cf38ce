// Running another program (llama.cpp's tools) as a child: argv as given (no shell, so no quoting to
// get wrong), stdin from /dev/null, stdout and stderr captured, killed after a timeout so a hung tool
// cannot hang hetspec.
#pragma once
#include <string>
#include <vector>

namespace hetspec {

struct ProcessResult {
  int exit_code = -1;      // the exit status, or -1 when killed by a signal / the timeout
  int signal = 0;          // the signal that ended it (SIGKILL after the timeout), else 0
  bool timed_out = false;
  double seconds = 0;      // wall time
  std::string out, err;
};

// Throws Error(argv[0], ...) when the program cannot be started (not found, not executable).
ProcessResult run_process(const std::vector<std::string>& argv, double timeout_s);

// run_process for a tool that must succeed: its stderr then stdout, or Error(argv[0], ...) naming the
// timeout, the exit status or signal, and the end of its stderr.
std::string run_tool_output(const std::vector<std::string>& argv, double timeout_s);

// The last `max_chars` of text on one line (newlines as spaces), for error messages.
std::string tail_line(const std::string& text, size_t max_chars = 300);

}  // namespace hetspec
