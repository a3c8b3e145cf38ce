// `hetspec validate` and `hetspec report` end to end on small random models (a roofline test profile
// binding cpu and cl:0), the error metrics by hand, and the report rendered by headless Chromium.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "hetspec/report/metrics.hpp"
#include "spec_models.hpp"
#include "support/paths.hpp"
#include "support/run_cli.hpp"
#include "support/skip.hpp"

using namespace hetspec;
using namespace hetspec::test;

TEST_CASE("error metrics: APE, Spearman, regret", "[validate]") {
  ErrorStats e = error_stats({1.1, 0.9, 2.0}, {1.0, 1.0, 1.6});
  CHECK(e.n == 3);
  CHECK(e.median_ape == Approx(0.1));
  CHECK(e.max_ape == Approx(0.25));
  CHECK(e.mean_ape == Approx(0.15));
  CHECK(spearman({1, 2, 3, 4}, {10, 20, 30, 40}) == Approx(1.0));
  CHECK(spearman({1, 2, 3, 4}, {40, 30, 20, 10}) == Approx(-1.0));
  CHECK(spearman({1, 2, 2, 3}, {1, 2, 3, 4}) == Approx(0.9486833));  // average ranks for the tie
  CHECK(regret({1.5, 1.2, 0.8}, {1.4, 1.3, 0.9}) == Approx(0.0));
  CHECK(regret({1.2, 1.5, 0.8}, {1.4, 1.0, 0.9}) == Approx(1 - 1.0 / 1.4));
}

TEST_CASE("hetspec validate and report on random models", "[validate][cli][long]") {
  const auto& m = spec_models();
  TempDir t;
  std::string prompts = t.file("p.jsonl",
                               "{\"id\": \"a\", \"prompt\": \"one two\"}\n{\"id\": \"b\", \"prompt\": \"three four five\"}\n"
                               "{\"id\": \"c\", \"prompt\": \"six\"}\n{\"id\": \"d\", \"prompt\": \"seven eight\"}\n");
  const std::string out = t / "val";
  CliResult r = run_cli("validate --profile " + source_path("tests/fixtures/roofline-cpu-pocl.yaml") + " --target " + m.target +
                        " --draft " + m.draft + " --prompts " + prompts + " --out " + out +
                        " --gammas 0,2 --calibration 1 --held-out 2 --max-new 8 -q");
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("plans measured") != std::string::npos);
  auto v = nlohmann::json::parse(slurp(out + "/validation.json"));
  CHECK(v["schema"] == "hetspec.validation/1");
  // Grid: γ = 0 on cpu, cl:0 and the split (3), γ = 2 with drafts on cpu / cl:0, sequential and overlapped.
  CHECK(v["plans"].size() >= 10);
  for (const auto& p : v["plans"]) {
    CHECK(p["measured"] == true);
    CHECK(p["speedup"]["lo95"] <= p["speedup"]["hi95"]);
  }
  CHECK(v["metrics"]["plans"] == v["plans"].size());
  CHECK(v["acceptance_measured"].size() == 2);
  // The predicted band: one calibration prompt resamples to itself, so every band is its point.
  REQUIRE(v["acceptance_per_prompt"].size() == 1);
  CHECK(v["acceptance_per_prompt"][0].size() == 2);
  int banded = 0;
  for (const auto& p : v["plans"]) {
    REQUIRE(p["predicted"].contains("speedup_band"));
    CHECK(double(p["predicted"]["speedup_band"]["lo95"]) == Approx(double(p["predicted"]["speedup"])));
    CHECK(double(p["predicted"]["speedup_band"]["hi95"]) == Approx(double(p["predicted"]["speedup"])));
    banded += p["gamma"] > 0 ? 1 : 0;
  }
  CHECK(v["metrics"]["predicted_band"]["plans"] == banded);
  for (const char* f : {"index.md", "plans.csv", "report.html"}) CHECK(std::filesystem::exists(out + "/" + f));
  const std::string html = slurp(out + "/report.html");
  CHECK(html.find("<script") == std::string::npos);
  for (const char* id : {"scatter", "gamma", "phases", "acceptance", "verify"})
    CHECK(html.find(std::string("<figure id=\"") + id + "\"><svg") != std::string::npos);
  // The verify-cost curves (T(m)/T(1) per unsplit target PU, m = 1 and 3 here) and the break-even verdict.
  REQUIRE(v["verify_curves"].size() == 2);
  for (const auto& c : v["verify_curves"]) {
    REQUIRE(c["predicted"].size() == 2);
    CHECK(c["predicted"][0]["ratio"] == Approx(1.0));
    CHECK(c["measured"].size() == 2);
  }
  CHECK(v["break_even_verdict"]["acceptance_pooled"]["lo95"] <= v["break_even_verdict"]["acceptance_pooled"]["hi95"]);
  CHECK(slurp(out + "/index.md").find("calibration acceptance, all positions pooled") != std::string::npos);
  // report rebuilds the same files from validation.json alone.
  CliResult rep = run_cli("report " + out + " --out " + (t / "again"));
  REQUIRE(rep.code == 0);
  CHECK(slurp(t / "again/index.md") == slurp(out + "/index.md"));
  CHECK(slurp(t / "again/report.html") == html);
  // A second run (here the same one): the repeatability section, kept when the report is rebuilt.
  CliResult rr = run_cli("report " + out + " --second-run " + out + " --out " + (t / "rep"));
  REQUIRE(rr.code == 0);
  CHECK(rr.out.find("measured speedups differ by median 0.0%") != std::string::npos);
  CHECK(slurp(t / "rep/index.md").find("## Repeatability") != std::string::npos);
  REQUIRE(run_cli("report " + (t / "rep") + " --out " + (t / "rep2")).code == 0);
  CHECK(slurp(t / "rep2/index.md") == slurp(t / "rep/index.md"));
  // Bad input: one line, exit 2.
  CliResult bad = run_cli("validate --profile " + source_path("configs/socs/nxp-imx95.yaml") + " --target " + m.target +
                          " --draft " + m.draft + " --prompts " + prompts + " --out " + (t / "bad") + " -q");
  CHECK(bad.code == 2);
  CHECK(bad.err.find("spec-sheet") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(t / "bad"));
  CliResult bad2 = run_cli("report " + prompts + " --out " + (t / "bad2"));
  CHECK(bad2.code == 2);
  CHECK(bad2.err.find("not a hetspec validation file") != std::string::npos);

  // Rendered by a browser: headless Chromium screenshots the report (not blank, the expected size).
  if (std::system("command -v chromium >/dev/null 2>&1") != 0) {
    const char* allow = std::getenv("HETSPEC_ALLOW_NO_CHROMIUM");
    if (!allow || std::string(allow) != "1")
      FAIL("chromium not installed (scripts/install-deps.sh installs it; HETSPEC_ALLOW_NO_CHROMIUM=1 skips this check)");
    HS_SKIP("chromium not installed; HETSPEC_ALLOW_NO_CHROMIUM=1: the render check did not run");
  }
  const std::string png = t / "shot.png";
  const std::string cmd = "chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,2400 "
                          "--screenshot=" + png + " file://" + out + "/report.html >/dev/null 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const std::string bytes = slurp(png);
  REQUIRE(bytes.size() > 24);
  CHECK(bytes.substr(1, 3) == "PNG");
  auto be32 = [&](size_t off) {
    return (uint32_t(uint8_t(bytes[off])) << 24) | (uint32_t(uint8_t(bytes[off + 1])) << 16) |
           (uint32_t(uint8_t(bytes[off + 2])) << 8) | uint32_t(uint8_t(bytes[off + 3]));
  };
  CHECK(be32(16) == 1280);
  CHECK(be32(20) == 2400);
  CHECK(bytes.size() > 40000);  // a blank page compresses to a few KB; plots and tables do not
}

TEST_CASE("hetspec validate runs the plans of plan files and shows time left", "[validate][cli]") {
  const auto& m = spec_models();
  TempDir t;
  std::string prompts = t.file("p.jsonl", "{\"id\": \"a\", \"prompt\": \"one two\"}\n{\"id\": \"b\", \"prompt\": \"three\"}\n");
  const std::string a = t.file("a.yaml", "schema: hetspec.plan/1\ngamma: 2\nmode: sequential\ntarget: {pu: cpu}\ndraft: {pu: cpu}\n");
  const std::string b = t.file("b.yaml", "schema: hetspec.plan/1\ngamma: 1\nmode: overlapped\ntarget: {pu: cpu}\ndraft: {pu: cl:0}\n");
  const std::string out = t / "val";
  CliResult r = run_cli("validate --profile " + source_path("tests/fixtures/roofline-cpu-pocl.yaml") + " --target " + m.target +
                        " --draft " + m.draft + " --prompts " + prompts + " --out " + out + " --plans " + a + "," + b +
                        " --accept-rate 0.6 --max-new 6");
  INFO(r.err);
  REQUIRE(r.code == 0);
  auto v = nlohmann::json::parse(slurp(out + "/validation.json"));
  REQUIRE(v["plans"].size() == 2);
  CHECK(v["plans"][0]["gamma"] == 2);
  CHECK(v["plans"][1]["gamma"] == 1);
  CHECK(v["plans"][1]["mode"] == "overlapped");
  CHECK(r.err.find("(0 of 2 done") != std::string::npos);
  CHECK(r.err.find("(1 of 2 done") != std::string::npos);
  CHECK(r.err.find("left)") != std::string::npos);
  CHECK(v["metrics"].contains("error_sources"));
  // A missing plan file: one line naming the flag, exit 2, nothing written.
  CliResult bad = run_cli("validate --profile " + source_path("tests/fixtures/roofline-cpu-pocl.yaml") + " --target " + m.target +
                          " --draft " + m.draft + " --prompts " + prompts + " --out " + (t / "bad") + " --plans " + a +
                          ",nothere.yaml --accept-rate 0.6 -q");
  CHECK(bad.code == 2);
  CHECK(bad.err.find("--plans") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(t / "bad"));
}
