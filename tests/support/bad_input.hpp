// The bad-input contract of every command, as one check: exit code 2, exactly one line on stderr
// starting "hetspec: error: " and containing `must_contain`, and (when given) no output at `out`.
#pragma once
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>

#include "run_cli.hpp"

namespace hetspec::test {

inline void check_one_line_error(const CliResult& r, const std::string& must_contain, const std::string& out = "") {
  INFO("stderr: " << r.err);
  CHECK(r.code == 2);
  CHECK(r.err.rfind("hetspec: error: ", 0) == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.err.find(must_contain) != std::string::npos);
  if (!out.empty()) CHECK_FALSE(std::filesystem::exists(out));
}

// `text` with the first `from` replaced by `to` (which must be there): one bad value in a good file.
inline std::string with(const std::string& text, const std::string& from, const std::string& to) {
  std::string s = text;
  size_t pos = s.find(from);
  REQUIRE(pos != std::string::npos);
  s.replace(pos, from.size(), to);
  return s;
}

}  // namespace hetspec::test
