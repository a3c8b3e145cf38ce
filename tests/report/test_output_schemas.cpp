// The JSON contract: real outputs of hetspec (sweep.json, summary.json, trace.json, profiles) match
// their published schemas in docs/schemas/, and every JSON output carries "schema" and
// "hetspec_version". Profiles are YAML; their JSON form is checked.
#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "hetspec/core/version.hpp"
#include "hetspec/profile/profile.hpp"
#include "spec/spec_models.hpp"
#include "support/json_schema.hpp"
#include "support/paths.hpp"
#include "support/run_cli.hpp"

using namespace hetspec::test;
using nlohmann::json;

namespace {
json schema(const std::string& name) { return json::parse(slurp(source_path("docs/schemas/" + name + ".schema.json"))); }

// YAML -> JSON as a YAML 1.2 core-schema reader would type it: quoted scalars stay strings.
json yaml_to_json(const YAML::Node& n) {
  if (n.IsMap()) {
    json j = json::object();
    for (const auto& kv : n) j[kv.first.as<std::string>()] = yaml_to_json(kv.second);
    return j;
  }
  if (n.IsSequence()) {
    json j = json::array();
    for (const auto& x : n) j.push_back(yaml_to_json(x));
    return j;
  }
  if (n.IsNull()) return nullptr;
  const std::string s = n.Scalar();
  if (n.Tag() == "!") return s;  // quoted
  if (s == "true" || s == "false") return s == "true";
  try {
    size_t used = 0;
    long long i = std::stoll(s, &used);
    if (used == s.size()) return i;
    double d = std::stod(s, &used);
    if (used == s.size()) return d;
  } catch (const std::exception&) {
  }
  return s;
}

void expect_valid(const json& doc, const std::string& schema_name, const std::string& what) {
  auto errs = schema_errors(doc, schema(schema_name));
  INFO(what << " against docs/schemas/" << schema_name << ".schema.json");
  for (size_t i = 0; i < errs.size() && i < 10; ++i) UNSCOPED_INFO(errs[i]);
  CHECK(errs.empty());
}

void expect_stamped(const json& j, const std::string& schema_id) {
  CHECK(j.value("schema", "") == schema_id);
  CHECK(j.value("hetspec_version", "") == hetspec::version_string());
}
}  // namespace

TEST_CASE("the schema checker finds missing keys, wrong types, unknown keys and bad enums", "[report][schema]") {
  json s = json::parse(R"({"type": "object", "required": ["a"], "additionalProperties": false,
      "properties": {"a": {"$ref": "#/$defs/n"}, "b": {"type": "array", "items": {"enum": ["x", "y"]}}},
      "$defs": {"n": {"type": ["integer", "null"]}}})");
  CHECK(schema_errors(json::parse(R"({"a": 3, "b": ["x", "y"]})"), s).empty());
  CHECK(schema_errors(json::parse(R"({"a": null})"), s).empty());
  CHECK(schema_errors(json::parse(R"({"b": []})"), s).size() == 1);          // a missing
  CHECK(schema_errors(json::parse(R"({"a": 2.5})"), s).size() == 1);         // not an integer
  CHECK(schema_errors(json::parse(R"({"a": 1, "c": 0})"), s).size() == 1);   // unknown key
  CHECK(schema_errors(json::parse(R"({"a": 1, "b": ["z"]})"), s).size() == 1);  // not in the enum
}

TEST_CASE("sweep.json of a bundled SoC matches its schema", "[report][schema][cli]") {
  TempDir t;
  CliResult r = run_cli("sweep --soc " + source_path("configs/socs/nxp-imx95.yaml") + " --target " +
                        source_path("configs/models/llama-3.2-3b.yaml") + " --draft " +
                        source_path("configs/models/llama-3.2-1b.yaml") + " --max-gamma 4 --show-infeasible --out " + t / "s");
  INFO(r.err);
  REQUIRE(r.code == 0);
  json j = json::parse(slurp(t / "s/sweep.json"));
  expect_stamped(j, "hetspec.sweep/1");
  expect_valid(j, "sweep", "sweep.json");
}

TEST_CASE("summary.json and trace.json of a run match their schemas", "[report][schema][cli][spec]") {
  const auto& m = spec_models();
  TempDir t;
  std::string plan = t.file("plan.yaml", "schema: hetspec.plan/1\ngamma: 2\nmode: sequential\ntarget: {pu: cpu}\ndraft: {pu: cpu}\n");
  std::string prompts = t.file("p.jsonl", "{\"id\": \"a\", \"task\": \"t\", \"prompt\": \"hello there\"}\n");
  CliResult r = run_cli("run --plan " + plan + " --target " + m.target + " --draft " + m.draft + " --prompts " + prompts +
                        " --out " + t / "run" + " --max-new 8 --accept-rate 0.6 --no-chat -q");
  INFO(r.err);
  REQUIRE(r.code == 0);
  json s = json::parse(slurp(t / "run/summary.json")), tr = json::parse(slurp(t / "run/trace.json"));
  expect_stamped(s, "hetspec.run-summary/1");
  expect_stamped(tr, "hetspec.run-trace/1");
  expect_valid(s, "summary", "summary.json");
  expect_valid(tr, "trace", "trace.json");
}

TEST_CASE("bundled SoC descriptions, committed and freshly saved profiles match the profile schema", "[report][schema][profile]") {
  std::vector<std::string> files;
  for (const char* dir : {"configs/socs", "profiles"})
    for (const auto& e : std::filesystem::directory_iterator(source_path(dir)))
      if (e.path().extension() == ".yaml") files.push_back(e.path().string());
  // The llama.cpp profiles committed with their reports (an executor: block, an offloaded device).
  for (const char* f : {"reports/dev-amd-epyc-2core/llamacpp/profile-llamacpp.yaml", "reports/h200/llamacpp/profile-llamacpp.yaml"})
    files.push_back(source_path(f));
  REQUIRE(files.size() >= 6);
  for (const auto& f : files) expect_valid(yaml_to_json(YAML::LoadFile(f)), "profile", f);
  // What this build writes carries its version.
  json saved = yaml_to_json(YAML::Load(hetspec::profile_to_yaml(hetspec::load_profile(files.back()))));
  CHECK(saved.value("hetspec_version", "") == hetspec::version_string());
  expect_valid(saved, "profile", "re-saved " + files.back());
}

TEST_CASE("devices --json and inspect --json carry schema and hetspec_version", "[report][schema][cli]") {
  CliResult d = run_cli("devices --json");
  REQUIRE(d.code == 0);
  expect_stamped(json::parse(d.out), "hetspec.devices/1");
  CliResult i = run_cli("inspect " + spec_models().target + " --json");
  REQUIRE(i.code == 0);
  expect_stamped(json::parse(i.out), "hetspec.inspect/1");
  CliResult v = run_cli("--version");
  CHECK(v.code == 0);
  CHECK(v.out == std::string("hetspec ") + hetspec::version() + " (git " + hetspec::git_revision() + ")\n");
}
