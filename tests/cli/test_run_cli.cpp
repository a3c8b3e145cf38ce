// `hetspec run` end to end on small random models (outputs and their fields), and its bad-input
// contract: one line naming the file and key, exit code 2, before any model is loaded, and nothing
// written to --out.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "spec/spec_models.hpp"
#include "support/paths.hpp"
#include "support/run_cli.hpp"

using namespace hetspec::test;

namespace {
const char* kPlan = "schema: hetspec.plan/1\ngamma: 3\nmode: sequential\ntarget: {pu: cpu}\ndraft: {pu: cpu}\nthreads: {cpu: 1}\n";
const char* kPrompts =
    "{\"id\": \"a\", \"task\": \"t\", \"prompt\": \"hello there\"}\n"
    "{\"id\": \"b\", \"task\": \"t\", \"prompt\": \"one two three\"}\n"
    "{\"id\": \"c\", \"task\": \"t\", \"prompt\": \"abc\"}\n";

void expect_bad(const std::string& args, const std::string& must_contain) {
  TempDir out;
  std::string dir = out / "result";
  CliResult r = run_cli("run " + args + " --out " + dir);
  INFO("args: " << args << "\nstderr: " << r.err);
  CHECK(r.code == 2);
  CHECK(r.err.find(must_contain) != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.err.rfind("hetspec: error: ", 0) == 0);
  CHECK_FALSE(std::filesystem::exists(dir));
}
}  // namespace

TEST_CASE("hetspec run: plan, baselines, summary and trace on random models", "[cli][spec]") {
  const auto& m = spec_models();
  TempDir t;
  std::string plan = t.file("plan.yaml", kPlan), prompts = t.file("p.jsonl", kPrompts), out = t / "run";
  CliResult r = run_cli("run --plan " + plan + " --target " + m.target + " --draft " + m.draft + " --prompts " + prompts +
                        " --out " + out + " --max-new 12 --accept-rate 0.6 --no-chat -q");
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("TIMING MODE") != std::string::npos);
  CHECK(r.out.find("speedup over the best single-PU baseline") != std::string::npos);
  auto s = nlohmann::json::parse(slurp(out + "/summary.json"));
  CHECK(s["schema"] == "hetspec.run-summary/1");
  CHECK(s["timing_mode"] == true);
  REQUIRE(s["arms"].size() >= 2);
  CHECK(s["arms"][0]["name"] == "plan");
  CHECK(s["arms"][0]["gamma"] == 3);
  CHECK(s["arms"][0]["acceptance"].size() == 3);
  for (const char* k : {"draft", "verify", "catchup", "host", "transfer", "handoff", "overlap"})
    CHECK(s["arms"][0]["phases"].contains(k));
  CHECK(s["speedup"]["lo95"] <= s["speedup"]["value"]);
  CHECK(s["speedup"]["value"] <= s["speedup"]["hi95"]);
  auto tr = nlohmann::json::parse(slurp(out + "/trace.json"));
  CHECK(tr["arms"][0]["requests"].size() == 3);
  CHECK(tr["arms"][0]["requests"][0]["iterations"].size() > 0);
  CHECK(std::filesystem::exists(out + "/outputs.jsonl"));
  // self:K drafts and overlapped mode run too (greedy, real acceptance).
  std::string ov = t.file("ov.yaml", "schema: hetspec.plan/1\ngamma: 2\nmode: overlapped\ntarget: {pu: cpu}\ndraft: {pu: cpu}\n");
  CliResult r2 = run_cli("run --plan " + plan + " --target " + m.target + " --draft self:1 --prompts " + prompts +
                         " --out " + (t / "run2") + " --max-new 8 --no-chat -q --no-baseline --limit 1");
  INFO(r2.err);
  CHECK(r2.code == 0);
  // Overlapped on one PU is refused: the draft drafts while the target verifies, on another PU.
  CliResult r3 = run_cli("run --plan " + ov + " --target " + m.target + " --draft self:1 --prompts " + prompts +
                         " --out " + (t / "run3") + " --no-chat -q");
  CHECK(r3.code == 2);
  CHECK(r3.err.find("different PUs") != std::string::npos);
}

TEST_CASE("hetspec run rejects bad input before loading models", "[cli][bad-input][spec]") {
  const auto& m = spec_models();
  TempDir t;
  std::string plan = t.file("plan.yaml", kPlan), prompts = t.file("p.jsonl", kPrompts);
  const std::string base = " --target " + m.target + " --prompts " + prompts;
  expect_bad("--plan " + plan + base + " --draft " + m.draft + " --accept-rate 1.5", "[0, 1]");
  expect_bad("--plan " + plan + base + " --draft self:3", "K must be in 1..2");
  expect_bad("--plan " + plan + base + " --draft self:x", "self:K needs a layer count");
  expect_bad("--plan " + plan + base, "give --draft");
  expect_bad("--plan " + plan + base + " --draft " + m.other_vocab, "vocab");
  expect_bad("--plan " + plan + base + " --draft " + m.draft + " --gamma 64 --max-new 150", "does not fit the target's context");
  std::string gpu = t.file("gpu.yaml", "schema: hetspec.plan/1\ngamma: 2\ntarget: {pu: gpu}\ndraft: {pu: cpu}\n");
  expect_bad("--plan " + gpu + base + " --draft " + m.draft, "names PU 'gpu'");
  // A spec-sheet SoC's PUs cannot run.
  std::string soc = source_path("configs/socs/nxp-imx95.yaml");
  std::string imx = t.file("imx.yaml", "schema: hetspec.plan/1\ngamma: 2\ntarget: {pu: cpu}\ndraft: {pu: gpu}\n");
  expect_bad("--profile " + soc + " --plan " + imx + base + " --draft " + m.draft, "spec-sheet description");
  // A plan bound to an OpenCL device this machine lacks.
  std::string cl9 = t.file("cl9.yaml", "schema: hetspec.plan/1\ngamma: 2\ntarget: {pu: cpu}\ndraft: {pu: gpu}\n");
  std::string bound = slurp(soc);
  const std::string from = "  - id: gpu\n";
  REQUIRE(bound.find(from) != std::string::npos);
  bound.replace(bound.find(from), from.size(), from + "    engine: cl:9\n");
  const std::string cpu = "  - id: cpu\n";
  REQUIRE(bound.find(cpu) != std::string::npos);
  bound.replace(bound.find(cpu), cpu.size(), cpu + "    engine: cpu\n");
  std::string prof9 = t.file("prof9.yaml", bound);
  expect_bad("--profile " + prof9 + " --plan " + cl9 + base + " --draft " + m.draft, "bound to cl:9");
  // Prompt files: malformed line (named), unknown key, empty file, duplicate id.
  std::string bad1 = t.file("bad1.jsonl", std::string(kPrompts) + "{\"id\": \"d\", \"prompt\": \n");
  expect_bad("--plan " + plan + " --target " + m.target + " --draft " + m.draft + " --prompts " + bad1, "line 4: not valid JSON");
  std::string bad2 = t.file("bad2.jsonl", "{\"id\": \"d\", \"prompt\": \"x\", \"colour\": \"red\"}\n");
  expect_bad("--plan " + plan + " --target " + m.target + " --draft " + m.draft + " --prompts " + bad2, "line 1: colour: unknown key");
  std::string bad3 = t.file("bad3.jsonl", "\n");
  expect_bad("--plan " + plan + " --target " + m.target + " --draft " + m.draft + " --prompts " + bad3, "no prompts");
  std::string bad4 = t.file("bad4.jsonl", "{\"id\": \"d\", \"prompt\": \"x\"}\n{\"id\": \"d\", \"prompt\": \"y\"}\n");
  expect_bad("--plan " + plan + " --target " + m.target + " --draft " + m.draft + " --prompts " + bad4, "line 2: id: duplicate id");
  std::string bad5 = t.file("bad5.jsonl", "{\"id\": \"d\", \"prompt\": 3}\n");
  expect_bad("--plan " + plan + " --target " + m.target + " --draft " + m.draft + " --prompts " + bad5, "prompt: must be a string");
  expect_bad("--plan " + plan + " --target " + m.target + " --draft " + m.draft + " --prompts " + (t / "missing.jsonl"), "missing.jsonl");
}
