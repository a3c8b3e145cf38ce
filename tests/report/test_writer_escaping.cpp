// Issue 10: names from users' files (PU ids, SoC and model names) pass through every CSV and YAML
// writer intact. Hostile names (comma, quote, newline, ':', '#', YAML flow syntax, anchors, keywords)
// must neither split a CSV row nor make a written YAML file unloadable; each is read back and compared.
#include <catch2/catch.hpp>

#include <yaml-cpp/yaml.h>

#include "hetspec/core/text_escape.hpp"
#include "hetspec/model/gguf_inspect.hpp"
#include "hetspec/model/model_spec.hpp"
#include "hetspec/plan/plan.hpp"
#include "hetspec/profile/profile.hpp"
#include "hetspec/report/validation_report.hpp"
#include "support/bad_input.hpp"
#include "support/paths.hpp"
#include "support/run_cli.hpp"

using namespace hetspec;
using namespace hetspec::test;

namespace {
const std::vector<std::string> kHostile = {
    "c,p\"u: #1",   "a\nb",      "- [x]",        "{k: v}",  "&anchor *ref !tag", "key: value", "# comment", "'single'",
    "true",         "null",      "~",            "12",      "1e3",               " padded ",   "tab\there", "back\\slash",
    "caf\xC3\xA9",  "|literal",  ">folded",      "%dir",    "@at `tick`",        "a:",         "?",         "x\r\ny",
};

// RFC 4180 parse of a whole CSV text: rows of fields.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    std::string& cell = rows.back().back();
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') cell += '"', ++i;
      else if (c == '"') quoted = false;
      else cell += c;
    } else if (c == '"') quoted = true;
    else if (c == ',') rows.back().emplace_back();
    else if (c == '\n') rows.emplace_back(1);
    else cell += c;
  }
  if (rows.back().size() == 1 && rows.back()[0].empty()) rows.pop_back();
  return rows;
}

// The toy SoC with its two PU ids and its name replaced (every place they occur).
std::string hostile_soc(const std::string& cpu, const std::string& gpu, const std::string& name) {
  std::string s = slurp(source_path("tests/fixtures/toy-soc.yaml"));
  const std::string c = yaml_scalar(cpu), g = yaml_scalar(gpu);
  s = with(s, "name: toy", "name: " + yaml_scalar(name));
  s = with(s, "host: {pu: cpu,", "host: {pu: " + c + ",");
  s = with(s, "- id: cpu", "- id: " + c);
  s = with(s, "- id: gpu", "- id: " + g);
  s = with(s, "{from: cpu, to: gpu,", "{from: " + c + ", to: " + g + ",");
  s = with(s, "{a: cpu, b: gpu,", "{a: " + c + ", b: " + g + ",");
  return s;
}
}  // namespace

TEST_CASE("csv_field and yaml_scalar read back as the text they were given", "[report][hardening]") {
  for (const std::string& s : kHostile) {
    INFO("text: '" << s << "'");
    auto rows = parse_csv("a," + csv_field(s) + ",b\n");
    REQUIRE(rows.size() == 1);
    REQUIRE(rows[0].size() == 3);
    CHECK(rows[0][1] == s);
    YAML::Node block = YAML::Load("k: " + yaml_scalar(s) + "\n" + yaml_scalar(s) + ": 2\n");
    CHECK(block["k"].as<std::string>() == s);
    CHECK(block[s].as<int>() == 2);
    YAML::Node flow = YAML::Load("{a: {pu: " + yaml_scalar(s) + ", n: 1}, t: {" + yaml_scalar(s) + ": 3}}");
    CHECK(flow["a"]["pu"].as<std::string>() == s);
    CHECK(flow["t"][s].as<int>() == 3);
  }
  CHECK(csv_field("cpu") == "cpu");
  CHECK(yaml_scalar("cpu") == "cpu");
  CHECK(yaml_scalar("q4_0") == "q4_0");
}

TEST_CASE("sweep with hostile PU ids and names: sweep.csv parses, best-plan.yaml loads and predicts",
          "[cli][report][hardening]") {
  TempDir t;
  const std::string a = "c,p\"u: #1 {x}", b = "g\npu - [y] &z";
  const std::string soc = t.file("soc.yaml", hostile_soc(a, b, "toy, \"SoC\": # one"));
  std::string model = slurp(source_path("configs/models/llama-3.2-1b.yaml"));
  const std::string draft = t.file("d.yaml", with(model, "name: llama-3.2-1b", "name: \"d,r: #aft\\n'x'\""));
  const std::string target = source_path("configs/models/llama-3.2-3b.yaml");
  const std::string out = t / "out";
  CliResult r = run_cli("sweep --soc " + soc + " --target " + target + " --draft " + draft + " --max-gamma 3 --out " + out);
  INFO(r.err);
  REQUIRE(r.code == 0);

  auto rows = parse_csv(slurp(out + "/sweep.csv"));
  REQUIRE(rows.size() > 2);
  const size_t cols = rows[0].size();
  const size_t head_col = std::find(rows[0].begin(), rows[0].end(), "head") - rows[0].begin();
  REQUIRE(head_col < cols);
  for (size_t i = 1; i < rows.size(); ++i) {
    INFO("row " << i);
    REQUIRE(rows[i].size() == cols);
    CHECK((rows[i][head_col] == a || rows[i][head_col] == b));
  }

  Profile prof = load_profile(soc);
  REQUIRE(prof.pus[0].id == a);
  Plan best = load_plan(out + "/best-plan.yaml", prof, load_model_spec(draft).n_layers, load_model_spec(target).n_layers);
  CHECK(best.target.pu >= 0);
  CliResult p = run_cli("predict --soc " + soc + " --target " + target + " --draft " + draft + " --plan " + out + "/best-plan.yaml");
  INFO(p.err);
  CHECK(p.code == 0);

  // Every split plan too: a plan naming both hostile PUs, as a key in threads and as values.
  Plan split = best;
  split.gamma = 2;
  split.draft.pu = split.draft.head_pu = 1;
  split.target.pu = 0;
  split.target.split = 10;
  split.target.split_pu = split.target.head_pu = 1;
  const std::string f = t.file("split.yaml", plan_to_yaml(split, prof));
  Plan back = load_plan(f, prof, 16, 28);
  CHECK(back.target.split_pu == 1);
  CHECK(back.draft.pu == 1);
  CHECK(back.threads == split.threads);
}

TEST_CASE("profile_to_yaml and model_spec_yaml round-trip hostile names", "[report][hardening]") {
  TempDir t;
  for (size_t i = 0; i + 1 < kHostile.size(); i += 2) {
    const std::string& a = kHostile[i];
    const std::string& b = kHostile[i + 1] == a ? kHostile[i + 1] + "2" : kHostile[i + 1];
    INFO("ids: '" << a << "', '" << b << "'");
    Profile p = load_profile(t.file("soc.yaml", hostile_soc(a, b, b + a)));
    Profile back = load_profile(t.file("saved.yaml", profile_to_yaml(p)));
    REQUIRE(back.pus.size() == 2);
    CHECK(back.pus[0].id == a);
    CHECK(back.pus[1].id == b);
    CHECK(back.name == b + a);
  }
  ModelSpec m = load_model_spec(source_path("configs/models/smollm2-135m.yaml"));
  for (const std::string& s : kHostile) {
    INFO("name: '" << s << "'");
    m.name = s;
    m.source = s + " source";
    ModelSpec back = load_model_spec(t.file("m.yaml", model_spec_yaml(m)));
    CHECK(back.name == s);
  }
}

TEST_CASE("validation_csv keeps a description with commas and quotes in one field", "[report][hardening]") {
  Validation v;
  PlanOutcome o;
  o.id = "p,01";
  o.description = "draft=\"a,b\" target=c\nhead=d";
  v.plans.push_back(o);
  auto rows = parse_csv(validation_csv(v));
  REQUIRE(rows.size() == 2);
  REQUIRE(rows[1].size() == rows[0].size());
  CHECK(rows[1][0] == o.id);
  CHECK(rows[1][3] == o.description);
}
