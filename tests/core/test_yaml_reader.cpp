#include <catch2/catch.hpp>

#include "hetspec/core/error.hpp"
#include "hetspec/core/yaml_reader.hpp"

using hetspec::Error;
using hetspec::YamlMap;

TEST_CASE("strict YAML: unknown, missing and mistyped keys name the file and key path", "[core]") {
  auto y = YamlMap::from_string("a: 1\nsub: {x: 2.5, bad: 3}\nlist: [{k: 1}, {k: no}]\n", "f.yaml");
  CHECK(y.get<int>("a") == 1);
  auto sub = y.map("sub");
  CHECK(sub.get<double>("x") == 2.5);
  CHECK_THROWS_WITH(sub.done(), "f.yaml: sub.bad: unknown key");
  CHECK_THROWS_WITH(y.get<int>("missing"), "f.yaml: missing: missing required key");
  auto items = y.maps("list");
  REQUIRE(items.size() == 2);
  CHECK_THROWS_WITH(items[1].get<int>("k"), "f.yaml: list[1].k: expected an integer, got 'no'");
  CHECK_THROWS_WITH(y.get<std::string>("sub"), "f.yaml: sub: expected a string, got a mapping");
}

TEST_CASE("strict YAML: positive checks and malformed input", "[core]") {
  auto y = YamlMap::from_string("z: 0\nn: -3\nf: 2.5\n", "g.yaml");
  CHECK_THROWS_WITH(y.positive("z"), "g.yaml: z: must be a positive number, got 0");
  CHECK_THROWS_AS(y.positive_int("n"), Error);
  CHECK_THROWS_WITH(y.get<int>("f"), "g.yaml: f: expected an integer, got '2.5'");
  CHECK_THROWS_WITH(YamlMap::from_string("a: [1, 2\n", "h.yaml"), Catch::StartsWith("h.yaml: line"));
  CHECK_THROWS_WITH(YamlMap::from_string("- 1\n- 2\n", "i.yaml"), "i.yaml: top level must be a mapping, got a list");
  CHECK_THROWS_WITH(YamlMap::load_file("/nonexistent/x.yaml"), "/nonexistent/x.yaml: cannot open: No such file or directory");
}
