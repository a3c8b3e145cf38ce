// Every bad input to sweep/predict: one clear line naming file and key, exit code 2, no output written.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "support/bad_input.hpp"
#include "support/paths.hpp"
#include "support/run_cli.hpp"

using namespace hetspec::test;

namespace {
const std::string kSoc = source_path("configs/socs/nxp-imx95.yaml");
const std::string k3b = source_path("configs/models/llama-3.2-3b.yaml");
const std::string k1b = source_path("configs/models/llama-3.2-1b.yaml");


// Runs a sweep with --out and checks the failure contract.
void expect_bad(const std::string& args, const std::string& must_contain) {
  TempDir out;
  std::string dir = out / "result";
  CliResult r = run_cli("sweep " + args + " --out " + dir);
  INFO("stderr: " << r.err);
  CHECK(r.code == 2);
  CHECK(r.err.find(must_contain) != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);  // one line
  CHECK(r.err.rfind("hetspec: error: ", 0) == 0);
  CHECK_FALSE(std::filesystem::exists(dir));  // no partial output
}
}  // namespace

TEST_CASE("sweep rejects bad SoC files naming file and key", "[cli][bad-input]") {
  TempDir t;
  std::string soc = slurp(kSoc);
  auto run = [&](const std::string& text, const std::string& msg) {
    std::string f = t.file("soc.yaml", text);
    expect_bad("--soc " + f + " --target " + k3b + " --draft " + k1b, f + ": " + msg);
  };
  run(soc + "\n  bad: [1, 2\n", "line");                                      // malformed YAML
  run(with(soc, "usable_fraction: 0.75", "usable_fraction: 0.75\n  colour: red"), "memory.colour: unknown key");
  run(with(soc, "  dram_bw_gbps: 25.6", ""), "memory.dram_bw_gbps: missing required key");
  run(with(soc, "cores: 6", "cores: six"), "pus[0].cores: expected an integer, got 'six'");
  run(with(soc, "dram_bw_gbps: 11.0", "dram_bw_gbps: -11.0"), "pus[0].roofline.dram_bw_gbps: must be a positive number");
  run(with(soc, "dram_bw_gbps: 11.0", "dram_bw_gbps: 1e12"), "pus[0].roofline.dram_bw_gbps: absurd value");
  run(with(soc, "threads: [1, 2, 4, 6]", "threads: [1, 2, 4, 8]"), "pus[0].threads[3]: thread count must be in 1..6");
  run(with(soc, "{from: cpu, to: gpu,", "{from: cpu, to: npu,"), "links[0].to: names PU 'npu'");
}

TEST_CASE("sweep rejects bad model files naming file and key", "[cli][bad-input]") {
  TempDir t;
  std::string m = slurp(k1b);
  auto run = [&](const std::string& text, const std::string& msg) {
    std::string f = t.file("draft.yaml", text);
    expect_bad("--soc " + kSoc + " --target " + k3b + " --draft " + f, f + ": " + msg);
  };
  run(with(m, "layers: 16", "layers: 0"), "layers: must be a positive integer, got 0");
  run(with(m, "d_model: 2048", "d_model: -2048"), "d_model: must be a positive integer");
  run(with(m, "ffn: 8192", "ffn: lots"), "ffn: expected an integer, got 'lots'");
  run(with(m, "vocab: 128256\n", ""), "vocab: missing required key");
  run(with(m, "kv_heads: 8", "kv_heads: 8\nmoe: true"), "moe: unknown key");
  run(with(with(m, "heads: 32", "heads: 30"), "head_dim: 64\n", ""), "heads: heads (30) must divide d_model (2048)");
  run(with(m, "vocab: 128256", "vocab: 32000"), "vocab: draft vocabulary (32000) differs from the target's (128256");
}

TEST_CASE("sweep rejects acceptance rates outside [0, 1]", "[cli][bad-input]") {
  std::string pair = "--soc " + kSoc + " --target " + k3b + " --draft " + k1b;
  expect_bad(pair + " --alpha 1.5", "--alpha: acceptance rate must be in [0, 1]");
  expect_bad(pair + " --alpha 0.9,-0.1", "--alpha: acceptance rate must be in [0, 1]");
  expect_bad(pair + " --alpha 0.9,abc", "--alpha: expected a number in [0, 1], got 'abc'");
  TempDir t;
  std::string f = t.file("acc.yaml", "schema: hetspec.acceptance/1\nalpha: 0.7\nby_draft_dtype: {q4_0: [0.8, 1.2]}\n");
  expect_bad(pair + " --alpha " + f, f + ": by_draft_dtype.q4_0: acceptance rate must be in [0, 1]");
  std::string g = t.file("acc2.yaml", "schema: hetspec.acceptance/1\nalpha: 0.7\nby_draft_dtype: {q9_9: 0.5}\n");
  expect_bad(pair + " --alpha " + g, g + ": by_draft_dtype.q9_9: unknown dtype");
}

TEST_CASE("predict rejects a plan naming a PU the SoC lacks", "[cli][bad-input]") {
  TempDir t;
  std::string plan = t.file("plan.yaml", "schema: hetspec.plan/1\ngamma: 3\ntarget: {pu: cpu}\ndraft: {pu: npu}\n");
  std::string json = t / "pred.json";
  CliResult r = run_cli("predict --soc " + kSoc + " --target " + k3b + " --draft " + k1b + " --plan " + plan +
                        " --json " + json);
  CHECK(r.code == 2);
  CHECK(r.err == "hetspec: error: " + plan + ": draft.pu: names PU 'npu' that SoC 'nxp-imx95' lacks (has: cpu, gpu)\n");
  CHECK_FALSE(std::filesystem::exists(json));
  std::string split = t.file("split.yaml", "schema: hetspec.plan/1\ngamma: 0\ntarget: {pu: cpu, split: {at: 28, pu: gpu}}\n");
  r = run_cli("predict --soc " + kSoc + " --target " + k3b + " --draft " + k1b + " --plan " + split);
  CHECK(r.code == 2);
  CHECK(r.err.find(split + ": target.split.at: split layer 28 must be in 1..27") != std::string::npos);
}

TEST_CASE("sweep writes JSON, CSV and the table atomically on success", "[cli]") {
  TempDir out;
  std::string dir = out / "ok";
  CliResult r = run_cli("sweep --soc " + kSoc + " --target " + k3b + " --draft " + k1b + " --alpha 0.7 --max-gamma 4 --out " + dir);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("break-even acceptance") != std::string::npos);
  for (const char* f : {"sweep.json", "sweep.csv", "sweep.txt", "best-plan.yaml"}) CHECK(std::filesystem::exists(dir + "/" + f));
  for (auto& e : std::filesystem::directory_iterator(dir)) CHECK(e.path().string().find(".tmp.") == std::string::npos);
}

TEST_CASE("flag errors are one line too; absurd --top is rejected", "[cli][bad-input]") {
  std::string pair = "--soc " + kSoc + " --target " + k3b + " --draft " + k1b;
  expect_bad(pair + " --max-gamma x", "--max-gamma");
  expect_bad(pair + " --top 0", "--top: must be >= 1");
  expect_bad(pair + " --bogus", "bogus");
  expect_bad("--target " + k3b + " --draft " + k1b, "--soc is required");
}

TEST_CASE("a plain-decoding plan file still gets its draft section checked", "[cli][bad-input]") {
  TempDir t;
  std::string plan = t.file("p.yaml", "schema: hetspec.plan/1\ngamma: 0\ntarget: {pu: cpu}\ndraft: {pu: cpu, colour: red}\n");
  CliResult r = run_cli("predict --soc " + kSoc + " --target " + k3b + " --draft " + k1b + " --plan " + plan);
  CHECK(r.code == 2);
  CHECK(r.err == "hetspec: error: " + plan + ": draft.colour: unknown key\n");
}

TEST_CASE("sweep CSV rows have the header's field count on a two-CPU SoC; one thread option is honoured", "[cli]") {
  TempDir out;
  std::string dir = out / "rk";
  CliResult r = run_cli("sweep --soc " + source_path("configs/socs/rockchip-rk3588.yaml") + " --target " + k3b +
                        " --draft " + k1b + " --max-gamma 2 --split-step 9 --out " + dir);
  REQUIRE(r.code == 0);
  std::stringstream csv(slurp(dir + "/sweep.csv"));
  std::string line;
  std::getline(csv, line);
  const auto fields = std::count(line.begin(), line.end(), ',');
  int rows = 0;
  while (std::getline(csv, line)) {
    if (line.find('"') != std::string::npos) continue;  // quoted reasons of infeasible rows
    REQUIRE(std::count(line.begin(), line.end(), ',') == fields);
    ++rows;
  }
  CHECK(rows > 100);
  TempDir t;
  std::string soc = t.file("soc.yaml", [] {
    std::string s = slurp(kSoc);
    s.replace(s.find("threads: [1, 2, 4, 6]"), 21, "threads: [4]");
    return s;
  }());
  CliResult one = run_cli("sweep --soc " + soc + " --target " + k3b + " --draft " + k1b + " --max-gamma 2 --no-splits");
  REQUIRE(one.code == 0);
  CHECK(one.out.find("cpu=4") != std::string::npos);
  CHECK(one.out.find("cpu=6") == std::string::npos);
}

TEST_CASE("predict prints terms of a second or more in full", "[cli]") {
  TempDir t;
  std::string plan = t.file("p.yaml", "schema: hetspec.plan/1\ngamma: 0\ntarget: {pu: cpu, dtype: q8_0}\nthreads: {cpu: 1}\n");
  CliResult r = run_cli("predict --soc " + kSoc + " --target " + k3b + " --draft " + k1b + " --plan " + plan);
  REQUIRE(r.code == 0);
  // One A55 thread streams 3.2 GB/s: the 3.4 GB q8_0 target takes over a second per token.
  auto verify = r.out.find("  verify ");
  REQUIRE(verify != std::string::npos);
  double verify_ms = std::stod(r.out.substr(verify + 9));
  REQUIRE(verify_ms > 1000);
  auto on_cpu = r.out.find("  on cpu:");
  REQUIRE(on_cpu != std::string::npos);
  std::string line = r.out.substr(on_cpu, r.out.find('\n', on_cpu) - on_cpu);
  double total = std::stod(line.substr(line.rfind("= ") + 2));
  CHECK(total == Approx(verify_ms).epsilon(1e-4));
}
