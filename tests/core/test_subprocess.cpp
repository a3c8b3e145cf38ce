// Child processes for llama.cpp's tools: output captured, exit status and signals reported, a hung
// tool killed at its timeout, a missing program an error naming it.
#include <signal.h>

#include <catch2/catch.hpp>

#include "hetspec/core/error.hpp"
#include "hetspec/core/subprocess.hpp"

using namespace hetspec;

TEST_CASE("run_process captures output and status, kills at the timeout", "[core][subprocess]") {
  ProcessResult r = run_process({"/bin/sh", "-c", "echo out; echo err >&2; read x; echo \"[$x]\"; exit 3"}, 10);
  CHECK(r.exit_code == 3);
  CHECK(r.signal == 0);
  CHECK_FALSE(r.timed_out);
  CHECK(r.out == "out\n[]\n");  // stdin is /dev/null: read gets nothing
  CHECK(r.err == "err\n");
  ProcessResult slow = run_process({"/bin/sleep", "20"}, 0.2);
  CHECK(slow.timed_out);
  CHECK(slow.signal == SIGKILL);
  CHECK(slow.exit_code == -1);
  CHECK(slow.seconds < 5);
  CHECK_THROWS_WITH(run_process({"/nonexistent/llama-speculative"}, 1),
                    Catch::Contains("/nonexistent/llama-speculative") && Catch::Contains("not an executable"));
  CHECK(tail_line("a\nb\n  c  \n", 300) == "a b   c");
  CHECK(tail_line("0123456789", 4) == "6789");
}
