// core/input_file, core/utf8 and the YAML reader's repeated-key check (issue 10).
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "hetspec/core/atomic_write.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/core/input_file.hpp"
#include "hetspec/core/utf8.hpp"
#include "hetspec/core/yaml_reader.hpp"
#include "support/run_cli.hpp"

using namespace hetspec;

TEST_CASE("check_regular_file refuses directories, named pipes and missing paths before opening", "[core][hardening]") {
  test::TempDir t;
  const std::string f = t.file("a.yaml", "x: 1\n"), dir = t / "d", fifo = t / "p";
  std::filesystem::create_directories(dir);
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_NOTHROW(check_regular_file(f));
  CHECK_THROWS_WITH(check_regular_file(dir), dir + ": is a directory, expected a file");
  CHECK_THROWS_WITH(check_regular_file(fifo), fifo + ": is a named pipe, expected a regular file");
  CHECK_THROWS_WITH(check_regular_file(t / "none"), t / "none" + ": cannot open: No such file or directory");
  // An empty name (an unset shell variable) is named as such, not as an error with no file.
  CHECK_THROWS_WITH(check_regular_file(""), Catch::StartsWith("\"\": an empty file name"));
  // Every reader goes through it (these would block forever on the pipe otherwise).
  CHECK_THROWS_WITH(YamlMap::load_file(fifo), Catch::Contains("named pipe"));
  CHECK_THROWS_WITH(read_file(fifo), Catch::Contains("named pipe"));
  CHECK_THROWS_WITH(YamlMap::load_file(dir), Catch::Contains("is a directory"));
}

TEST_CASE("path_exists never throws, even for a name too long for a path", "[core][hardening]") {
  CHECK_FALSE(path_exists(std::string(5000, 'a')));
  CHECK_FALSE(path_exists("/nonexistent/x"));
  CHECK(path_exists("/"));
}

TEST_CASE("UTF-8 checks, quoting of odd bytes and JSON text that never throws", "[core][hardening]") {
  CHECK(is_valid_utf8("plain"));
  CHECK(is_valid_utf8("\xE6\xBC\xA2\xE5\xAD\x97 \xF0\x9F\x98\x80"));
  CHECK_FALSE(is_valid_utf8("\xF0\x9F"));      // truncated
  CHECK_FALSE(is_valid_utf8("caf\xE9"));       // Latin-1
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));      // overlong
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));  // surrogate
  CHECK(quote_bytes("a\"b") == "\"a\\\"b\"");
  CHECK(quote_bytes("\xF0\x9F") == "\"\\xF0\\x9F\"");
  CHECK(quote_bytes("x\xE9y\xE6\xBC\xA2") == "\"x\\xE9y\xE6\xBC\xA2\"");
  nlohmann::json j = {{"name", "caf\xE9"}};
  CHECK_THROWS(j.dump());
  CHECK(json_text(j) == "{\"name\":\"caf\xEF\xBF\xBD\"}");
}

TEST_CASE("repeated YAML keys are errors naming both lines, at any depth", "[core][hardening]") {
  CHECK_THROWS_WITH(YamlMap::from_string("a: 1\nb: 2\na: 3\n", "f.yaml"), "f.yaml: a: duplicate key (line 1 and line 3)");
  CHECK_THROWS_WITH(YamlMap::from_string("s:\n  x: 1\n  x: 2\n", "f.yaml"), "f.yaml: s.x: duplicate key (line 2 and line 3)");
  CHECK_THROWS_WITH(YamlMap::from_string("l:\n  - {k: 1, k: 2}\n", "f.yaml"), Catch::StartsWith("f.yaml: l[0].k: duplicate key"));
  CHECK_NOTHROW(YamlMap::from_string("a: {x: 1}\nb: {x: 1}\n", "f.yaml"));
}

TEST_CASE("a YAML key that is not a plain name is an error naming its line, at any depth", "[core][hardening]") {
  // Found by fuzz_yaml_acceptance / _plan / _profile (scripts/fuzz.sh, 2026-11-30): a complex key
  // (`? [a]: 1`, `{[a]: 1}`) escaped as yaml-cpp's bad conversion from YamlMap::done(): a crash.
  CHECK_THROWS_WITH(YamlMap::from_string("a: 1\n? [x, y]\n: 2\n", "f.yaml"),
                    "f.yaml: key on line 2: must be a plain name, got a list");
  CHECK_THROWS_WITH(YamlMap::from_string("s:\n  - {k: 1, {m: 2}: 3}\n", "f.yaml"),
                    Catch::StartsWith("f.yaml: s[0]: key on line 2: must be a plain name, got a mapping"));
  CHECK_THROWS_WITH(YamlMap::from_string("by:\n  ? q8_0: [1, 2]\n", "f.yaml"), Catch::StartsWith("f.yaml: by: key on line 2"));
}
