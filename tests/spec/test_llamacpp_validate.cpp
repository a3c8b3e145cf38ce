// `hetspec validate --engine llama.cpp`: llama.cpp's printed timings read back (lines captured from
// llama.cpp 0c1e570's llama-speculative and llama-completion), a changed format or a failing tool as
// one error naming the tool, and the whole flow (grid -> exported commands -> runs -> report) against
// stand-in tools that print fixed timings, so the measured speedups are known exactly. The real tools
// are exercised by scripts/llamacpp-validate.sh (they take minutes to build).
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "hetspec/core/error.hpp"
#include "hetspec/spec/llamacpp_output.hpp"
#include "spec_models.hpp"
#include "support/paths.hpp"
#include "support/run_cli.hpp"

using namespace hetspec;
using namespace hetspec::test;

namespace {
const char* kSpeculativeLog = R"(0.02.619.156 I encoded   19 tokens in    0.229 seconds, speed:   83.111 t/s
0.02.619.157 I decoded   23 tokens in    1.122 seconds, speed:   20.499 t/s
0.02.619.158 I
0.02.619.158 I n_draft   = 4
0.02.619.158 I n_predict = 23
0.02.619.159 I n_drafted = 48
0.02.619.159 I n_accept  = 10
0.02.619.160 I accept    = 20.833%
)";
const char* kCompletionLog = R"(0.00.684.896 I common_perf_print:    sampling time =       2.18 ms
0.00.684.898 I common_perf_print:    samplers time =       0.71 ms /    35 tokens
0.00.684.899 I common_perf_print:        load time =     223.74 ms
0.00.684.901 I common_perf_print: prompt eval time =     135.19 ms /    19 tokens (    7.12 ms per token,   140.55 tokens per second)
0.00.684.902 I common_perf_print:        eval time =     190.59 ms /    15 runs   (   12.71 ms per token,    78.70 tokens per second)
0.00.684.903 I common_perf_print:       total time =     329.19 ms /    34 tokens
)";

void tool(const std::string& path, const std::string& body) {
  std::ofstream(path) << "#!/bin/sh\n" + body;
  chmod(path.c_str(), 0755);
}
// Stand-ins: plain decoding 10 ms per token with sampling; speculation 8 tokens in 20 ms * (1 + γ/4):
// every argument the export must pass is checked, and a missing one fails the run.
void stand_in_tools(const std::string& bin) {
  std::filesystem::create_directories(bin);
  tool(bin + "/llama-completion",
       "case \"$*\" in *-no-cnv*\"-p \"*) ;; *) echo \"bad args: $*\" >&2; exit 1;; esac\n"
       "echo 'common_perf_print:    sampling time =       4.00 ms' >&2\n"
       "echo 'common_perf_print: prompt eval time =     50.00 ms /     5 tokens' >&2\n"
       "echo 'common_perf_print:        eval time =     66.00 ms /     7 runs   (  9.43 ms per token)' >&2\n");
  tool(bin + "/llama-speculative",
       "g=$(echo \"$*\" | sed -n 's/.*--spec-draft-n-max \\([0-9]*\\).*/\\1/p')\n"
       "case \"$*\" in *\"-md \"*\"-p \"*) ;; *) echo \"bad args: $*\" >&2; exit 1;; esac\n"
       "ms=$((20 + 5 * g))\n"
       "echo 'encoded    5 tokens in    0.010 seconds, speed: 500 t/s' >&2\n"
       "echo \"decoded    8 tokens in    0.0$ms seconds, speed: 1 t/s\" >&2\n"
       "echo \"n_draft   = $g\" >&2; echo 'n_predict = 8' >&2; echo \"n_drafted = $((4 * g))\" >&2; echo 'n_accept  = 4' >&2\n");
}
const char* kThreePrompts = "{\"id\": \"a\", \"prompt\": \"one two\"}\n{\"id\": \"b\", \"prompt\": \"three\"}\n"
                            "{\"id\": \"c\", \"prompt\": \"four five\"}\n";
}  // namespace

TEST_CASE("llama.cpp's printed timings are read back", "[validate][llamacpp]") {
  SpeculativeOutput s = parse_llama_speculative(kSpeculativeLog, "llama-speculative");
  CHECK(s.n_predict == 23);
  CHECK(s.decode_s == Approx(1.122));
  CHECK(s.n_draft == 4);
  CHECK(s.n_drafted == 48);
  CHECK(s.n_accept == 10);
  CHECK(s.n_input == 19);
  CHECK(s.n_verify() == 12);  // 48 drafted, 4 per verify
  CompletionOutput c = parse_llama_completion(kCompletionLog, "llama-completion");
  CHECK(c.eval_ms == Approx(190.59));  // not the prompt eval line
  CHECK(c.eval_runs == 15);
  CHECK(c.sampling_ms == Approx(2.18));
  CHECK(c.decode_us() == Approx(1e3 * (190.59 + 2.18 * 15 / 16)));
  // A changed format is an error naming the tool and the line it could not find.
  CHECK_THROWS_WITH(parse_llama_speculative("decoded 3 tokens\n", "llama-speculative"),
                    Catch::Contains("llama-speculative") && Catch::Contains("decoded N tokens in S seconds"));
  CHECK_THROWS_WITH(parse_llama_completion("common_perf_print: prompt eval time = 1.0 ms / 3 tokens\n", "llama-completion"),
                    Catch::Contains("eval time = X ms / N runs"));
  std::string bad = kSpeculativeLog;
  bad.replace(bad.find("n_accept  = 10"), 14, "n_accept  = 99");
  CHECK_THROWS_WITH(parse_llama_speculative(bad, "x"), Catch::Contains("n_accept exceeds n_drafted"));
}

TEST_CASE("validate --engine llama.cpp runs the exported commands and reports their speedups", "[validate][llamacpp][cli]") {
  const auto& m = spec_models();
  TempDir t;
  const std::string bin = t / "bin";
  stand_in_tools(bin);
  std::string prompts = t.file("p.jsonl", kThreePrompts);
  const std::string out = t / "val";
  const std::string rest = " --profile " + source_path("tests/fixtures/roofline-cpu-pocl.yaml") + " --pus cpu --threads 1 --target " +
                           m.target + " --draft " + m.draft + " --prompts " + prompts + " --gammas 0,2,4 --calibration 1 --max-new 8";
  const std::string common = "validate --engine llama.cpp --llama-bin " + bin + rest;
  CliResult r = run_cli(common + " --acceptance-from llama.cpp --out " + out);
  INFO(r.err);
  REQUIRE(r.code == 0);
  auto v = nlohmann::json::parse(slurp(out + "/validation.json"));
  CHECK(v["engine"] == "llama.cpp");
  REQUIRE(v["plans"].size() == 3);
  // Baseline per token: (66 + 4 * 7/8) ms / 7 tokens; plan: (20 + 5γ) ms / 7 tokens (8 decoded, the
  // first from the prompt's logits).
  const double base = (66 + 4.0 * 7 / 8) / 7;
  for (const auto& p : v["plans"]) {
    const int g = p["gamma"];
    CHECK(p["measured"] == true);
    const double plan = g == 0 ? base : (20.0 + 5 * g) / 7;
    CHECK(p["speedup"]["value"].get<double>() == Approx(base / plan).epsilon(1e-6));
    if (g > 0) CHECK(p["plan_arm"]["tokens_per_iter"].get<double>() == Approx(1.75));  // 7 tokens, 4 iterations
  }
  CHECK(slurp(out + "/index.md").find("plans run by: llama.cpp") != std::string::npos);
  // Acceptance as llama.cpp's loop showed it on the calibration prompt (7 tokens in 4 iterations at
  // every γ), per target placement, and the predictions use it.
  REQUIRE(v["acceptance_by_target"].contains("cpu head=cpu"));
  CHECK(v["acceptance_by_target"]["cpu head=cpu"]["source"].get<std::string>().find("llama.cpp on 1 calibration prompts at γ 2,4") !=
        std::string::npos);
  for (const auto& p : v["plans"])
    if (p["gamma"].get<int>() > 0) CHECK(p["predicted"]["tokens_per_iter"].get<double>() == Approx(1.75).epsilon(0.02));
  CHECK(slurp(out + "/index.md").find("acceptance used for target cpu head=cpu") != std::string::npos);
  {  // by default (--acceptance-from hetspec) hetspec's executor measures it, once for every placement
    CliResult h = run_cli(common + " --out " + (t / "hs"));
    INFO(h.err);
    REQUIRE(h.code == 0);
    CHECK(nlohmann::json::parse(slurp(t / "hs/validation.json"))["acceptance_by_target"].empty());
  }
  // calibrate fits llama.cpp's in-situ overheads from the iteration totals and scores the held-out plans.
  CliResult cal = run_cli("calibrate --profile " + source_path("tests/fixtures/roofline-cpu-pocl.yaml") + " --traces " + out +
                          " --out " + (t / "cal.yaml") + " --report " + (t / "cal"));
  INFO(cal.err);
  CHECK(cal.code == 0);
  CHECK(std::filesystem::exists(t / "cal.yaml"));
  CHECK(slurp(t / "cal/index.md").find("plans run by: llama.cpp") != std::string::npos);

  // A tool that fails: one line naming it, exit 2, no report.
  tool(bin + "/llama-speculative", "echo 'error: invalid argument: --spec-draft-n-max' >&2\nexit 1\n");
  CliResult bad = run_cli(common + " --out " + (t / "bad"));
  CHECK(bad.code == 2);
  CHECK(bad.err.find("llama-speculative: failed (exit 1): error: invalid argument: --spec-draft-n-max") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(t / "bad"));
  // Missing tools, timing mode, flags without the engine.
  CHECK(run_cli("validate --engine llama.cpp --llama-bin " + (t / "none") + rest + " --out " + (t / "b2"))
            .err.find("--llama-bin: no executable llama-speculative") != std::string::npos);
  CHECK(run_cli(common + " --out " + (t / "b3") + " --accept-rate 0.5").err.find("--accept-rate: llama.cpp runs the real models") !=
        std::string::npos);
  CHECK(run_cli("validate --acceptance-from llama.cpp --profile " + source_path("tests/fixtures/roofline-cpu-pocl.yaml") +
                " --target " + m.target + " --draft " + m.draft + " --prompts " + prompts + " --out " + (t / "b4"))
            .err.find("--acceptance-from: only with --engine llama.cpp") != std::string::npos);
  CHECK(run_cli("validate --llama-bin " + bin + " --profile " + source_path("tests/fixtures/roofline-cpu-pocl.yaml") +
                " --target " + m.target + " --draft " + m.draft + " --prompts " + prompts + " --out " + (t / "b4"))
            .err.find("--llama-bin: only with --engine llama.cpp") != std::string::npos);
}

TEST_CASE("validate --engine llama.cpp re-fits plain decoding's loop term on the calibration prompts", "[validate][llamacpp][cli]") {
  const auto& m = spec_models();
  TempDir t;
  const std::string bin = t / "bin";
  stand_in_tools(bin);
  // A llama.cpp profile: the fixture with loop terms at 1 thread whose plain term (0) leaves plain
  // decoding priced at the roofline's forward, far from the stand-in's 10 ms per token.
  const std::string prof =
      t.file("lc.yaml", slurp(source_path("tests/fixtures/roofline-cpu-pocl.yaml")) +
                            "executor: {engine: llama.cpp, loop: [{threads: 1, pu: cpu, iteration_us: 0, drafted_us: 0, plain_us: 0}]}\n");
  const std::string common = "validate --engine llama.cpp --llama-bin " + bin + " --profile " + prof + " --pus cpu --threads 1 --target " +
                             m.target + " --draft " + m.draft + " --prompts " + t.file("p.jsonl", kThreePrompts) +
                             " --gammas 0,2 --calibration 1 --max-new 8";
  const double base_us = 1e3 * (66 + 4.0 * 7 / 8) / 7;  // the stand-in's plain decoding per token
  CliResult r = run_cli(common + " --plain-from calibration --out " + (t / "fit"));
  INFO(r.err);
  REQUIRE(r.code == 0);
  auto v = nlohmann::json::parse(slurp(t / "fit/validation.json"));
  REQUIRE(v["plain_terms"].size() == 1);
  CHECK(v["plain_terms"][0]["pu"] == "cpu");
  CHECK(v["plain_terms"][0]["threads"] == 1);
  CHECK(v["plain_terms"][0]["runs"] == 1);
  CHECK(v["plain_terms"][0]["profile_us"].get<double>() == 0);
  CHECK(v["plain_terms"][0]["fitted_us"].get<double>() > 0.5 * base_us);  // the roofline prices far less than 10 ms
  // The calibration prompt and the held-out ones have the same shape here, so the re-fitted baseline
  // is the stand-in's per-token time, and plain decoding's predicted speedup over itself is 1.
  for (const auto& p : v["plans"]) {
    CHECK(p["predicted_baseline_us"].get<double>() == Approx(base_us).epsilon(0.03));
    if (p["gamma"] == 0) CHECK(p["predicted"]["per_token_us"].get<double>() == Approx(base_us).epsilon(0.03));
  }
  CHECK(slurp(t / "fit/index.md").find("plain decoding's llama.cpp term on cpu at 1 threads") != std::string::npos);
  // report --repredict keeps the fitted term rather than the profile's.
  CliResult rr = run_cli("report " + (t / "fit") + " --out " + (t / "rep") + " --repredict " + prof + " --target " + m.target +
                         " --draft " + m.draft);
  INFO(rr.err);
  REQUIRE(rr.code == 0);
  for (const auto& p : nlohmann::json::parse(slurp(t / "rep/validation.json"))["plans"])
    CHECK(p["predicted_baseline_us"].get<double>() == Approx(base_us).epsilon(0.03));

  // By default (--plain-from profile) the profile's term as it is.
  CliResult pr = run_cli(common + " --out " + (t / "prof"));
  INFO(pr.err);
  REQUIRE(pr.code == 0);
  auto vp = nlohmann::json::parse(slurp(t / "prof/validation.json"));
  CHECK_FALSE(vp.contains("plain_terms"));
  CHECK(vp["plans"][0]["predicted_baseline_us"].get<double>() < 0.5 * base_us);
  // Without the engine the flag is an error; a stored term that is not a number is one line.
  CHECK(run_cli("validate --plain-from profile --profile " + prof + " --target " + m.target + " --draft " + m.draft + " --prompts " +
                t.file("q.jsonl", kThreePrompts) + " --out " + (t / "b1"))
            .err.find("--plain-from: only with --engine llama.cpp") != std::string::npos);
  std::string j = slurp(t / "fit/validation.json");
  j.replace(j.find("\"runs\": 1"), 9, "\"runs\": 0");
  CliResult bad = run_cli("report " + t.file("bad.json", j) + " --out " + (t / "b2"));
  CHECK(bad.code == 2);
  CHECK(bad.err.find("plain_terms") != std::string::npos);
}
