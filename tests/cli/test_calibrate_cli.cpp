// `hetspec calibrate` end to end on synthetic traces (the toy SoC, planted overheads): it writes a
// profile that loads with the fitted terms, `predict` and `report --repredict` use it; every bad input
// is one line naming file and key, exit code 2, and nothing written.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "hetspec/core/atomic_write.hpp"
#include "hetspec/report/validation_report.hpp"
#include "support/run_cli.hpp"
#include "support/synthetic_validation.hpp"

using namespace hetspec;
using namespace hetspec::test;

namespace {
const std::string kToy = source_path("tests/fixtures/toy-soc.yaml");
const std::string k3b = source_path("configs/models/llama-3.2-3b.yaml");
const std::string k1b = source_path("configs/models/llama-3.2-1b.yaml");

std::string write_traces(const TempDir& dir, const Validation& v, const std::string& name = "traces") {
  std::filesystem::create_directories(dir / name);
  write_file_atomic(dir / (name + "/validation.json"), validation_to_json(v));
  return dir / name;
}

void expect_bad(const std::string& args, const std::string& out, const std::string& must_contain) {
  CliResult r = run_cli("calibrate " + args + " --out " + out);
  INFO("stderr: " << r.err);
  CHECK(r.code == 2);
  CHECK(r.err.find(must_contain) != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.err.rfind("hetspec: error: ", 0) == 0);
  CHECK_FALSE(std::filesystem::exists(out));
}
}  // namespace

TEST_CASE("calibrate writes a profile with the fitted terms; predict and report use it", "[cli][calibrate]") {
  TempDir dir;
  const std::string traces = write_traces(dir, synthetic_validation(planted_terms(), 0.6, 0.0));
  const std::string p2 = dir / "p2.yaml", rep = dir / "rep";
  CliResult r = run_cli("calibrate --profile " + kToy + " --traces " + traces + " --out " + p2 + " --report " + rep);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("held-out plans (25)") != std::string::npos);
  CHECK(r.out.find("speedup error") != std::string::npos);
  const Profile q = load_profile(p2);
  CHECK(q.calibration.forward.size() == 4);
  CHECK(q.greedy_ns_per_vocab() == Approx(4.0).epsilon(1e-3));
  CHECK(q.calibration.fit_plans.size() == 26);
  CHECK(q.calibration.held_out_plans.size() == 25);
  CHECK(q.calibration.source == traces + "/validation.json");
  CHECK(q.calibration.command.find("--fit-fraction 0.5") != std::string::npos);
  CHECK(q.calibration.after.speedup_max < 2e-3);  // noise-free traces: held-out plans predicted (almost) exactly
  CHECK(q.calibration.before.speedup_median > 0.01);
  const std::string md = slurp(rep + "/index.md");
  CHECK(md.find("## Calibration: error before and after, on plans not used for fitting") != std::string::npos);
  CHECK(md.find("held-out plans (25)") != std::string::npos);
  CHECK(slurp(rep + "/report.html").find("<h2>Calibration") != std::string::npos);

  // `report --repredict` with the calibrated profile rebuilds the same comparison; a plain rebuild keeps it.
  const std::string rep2 = dir / "rep2", rep3 = dir / "rep3";
  REQUIRE(run_cli("report " + traces + " --out " + rep2 + " --repredict " + p2 + " --target " + k3b + " --draft " + k1b).code == 0);
  CHECK(slurp(rep2 + "/index.md").find("held-out plans (25)") != std::string::npos);
  REQUIRE(run_cli("report " + rep2 + " --out " + rep3).code == 0);
  CHECK(slurp(rep3 + "/index.md").find("## Calibration") != std::string::npos);

  // `predict` prices the fitted per-forward terms (JSON: the verify's "calibrated" share on the cpu).
  Plan plan;
  plan.threads = {4, 1};
  plan.target.pu = plan.target.head_pu = 0;
  plan.draft.pu = plan.draft.head_pu = 1;
  plan.gamma = 3;
  const std::string plan_file = dir.file("plan.yaml", plan_to_yaml(plan, q));
  const std::string j1 = dir / "calibrated.json", j0 = dir / "raw.json";
  const std::string common = " --target " + k3b + " --draft " + k1b + " --alpha 0.6 --plan " + plan_file;
  REQUIRE(run_cli("predict --soc " + p2 + common + " --json " + j1).code == 0);
  REQUIRE(run_cli("predict --soc " + kToy + common + " --json " + j0).code == 0);
  const auto a = nlohmann::json::parse(slurp(j1)), b = nlohmann::json::parse(slurp(j0));
  CHECK(a["verify"]["cpu"]["calibrated"].get<double>() == Approx((12000 + 3 * 2000) / 1e3).epsilon(1e-3));
  CHECK(b["verify"]["cpu"]["calibrated"].get<double>() == 0);
  CHECK(a["per_token_ms"].get<double>() != Approx(b["per_token_ms"].get<double>()));
}

TEST_CASE("calibrate rejects bad input with one line and writes nothing", "[cli][calibrate][bad-input]") {
  TempDir dir;
  const Validation v = synthetic_validation(planted_terms(), 0.6, 0.0);
  const std::string traces = write_traces(dir, v);
  const std::string out = dir / "p2.yaml";
  const std::string ok = " --profile " + kToy + " --traces " + traces;
  expect_bad("--profile " + kToy + " --traces " + (dir / "missing"), out, dir / "missing");
  const std::string bad_json = dir / "bad";
  std::filesystem::create_directories(bad_json);
  dir.file("bad/validation.json", "{\"schema\": \"hetspec.validation/1\", \"plans\": [");
  expect_bad("--profile " + kToy + " --traces " + bad_json, out, bad_json + "/validation.json");
  dir.file("bad/validation.json", "{\"schema\": \"something-else\"}");
  expect_bad("--profile " + kToy + " --traces " + bad_json, out, "hetspec.validation/1");
  // A profile with an unknown key in its calibration block, or naming a PU it lacks.
  const std::string toy = slurp(kToy);
  expect_bad("--profile " + dir.file("p-unknown.yaml", toy + "calibration:\n  bogus: 1\n") + " --traces " + traces, out,
             "calibration.bogus: unknown key");
  expect_bad("--profile " + dir.file("p-pu.yaml", toy + "calibration:\n  handoff: [{pu: npu, us: 3}]\n") + " --traces " + traces,
             out, "names PU 'npu'");
  expect_bad("--profile " + dir / "nope.yaml" + " --traces " + traces, out, "nope.yaml");
  expect_bad(ok + " --fit-fraction 1.5", out, "--fit-fraction");
  expect_bad(ok + " --fit-plans p01,p99", out, "p99");
  // The target recorded in the traces is not here: say so, and how to fix it.
  Validation moved = v;
  moved.target = "/nonexistent/model.gguf";
  const std::string t2 = write_traces(dir, moved, "moved");
  expect_bad("--profile " + kToy + " --traces " + t2, out, "pass --target");
  // A profile without the validation's PUs.
  std::string one_pu = toy.substr(0, toy.find("  - id: gpu"));
  expect_bad("--profile " + dir.file("one.yaml", one_pu) + " --traces " + traces, out, "fewer PUs");
}
