// Issue 10: a sweep's memory is bounded. A plan space above --max-plans (default 200,000) is one line
// naming the flag before any plan is evaluated; --top N keeps only the best N rows while evaluating,
// and those rows are exactly the first N of a full sweep.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <sstream>

#include "support/bad_input.hpp"
#include "support/paths.hpp"
#include "support/run_cli.hpp"

using namespace hetspec::test;

namespace {
const std::string kSoc = source_path("configs/socs/nxp-imx95.yaml");
const std::string k3b = source_path("configs/models/llama-3.2-3b.yaml");
const std::string k1b = source_path("configs/models/llama-3.2-1b.yaml");

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}
}  // namespace

TEST_CASE("sweep: a 4096-layer target stops at the plan-count limit, naming --max-plans", "[cli][sweep][bad-input][hardening]") {
  TempDir t;
  const std::string big = t.file("big.yaml", with(slurp(k3b), "layers: 28", "layers: 4096"));
  const std::string out = t / "out";
  CliResult r = run_cli("sweep --soc " + kSoc + " --target " + big + " --draft " + k1b + " --out " + out, 60);
  check_one_line_error(r, "--max-plans: the plan space has ", out);
  CHECK(r.err.find("above the limit of 200000") != std::string::npos);
  check_one_line_error(run_cli("sweep --soc " + kSoc + " --target " + k3b + " --draft " + k1b + " --max-plans 1000 --out " + out),
                       "--max-plans: the plan space has 11165 plans, above the limit of 1000", out);
  check_one_line_error(run_cli("sweep --soc " + kSoc + " --target " + k3b + " --draft " + k1b + " --max-plans 0 --out " + out),
                       "--max-plans: must be >= 1", out);
}

TEST_CASE("sweep --top N keeps the best N rows, the same as the first N of a full sweep", "[cli][sweep][hardening]") {
  TempDir t;
  const std::string args = "sweep --soc " + kSoc + " --target " + k3b + " --draft " + k1b + " --max-gamma 4";
  REQUIRE(run_cli(args + " --out " + (t / "all")).code == 0);
  CliResult r = run_cli(args + " --top 7 --out " + (t / "top"));
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto all = lines(slurp(t / "all/sweep.csv")), top = lines(slurp(t / "top/sweep.csv"));
  auto all_json = nlohmann::json::parse(slurp(t / "all/sweep.json")), top_json = nlohmann::json::parse(slurp(t / "top/sweep.json"));
  REQUIRE(all_json["ranked"].size() > 7);
  CHECK(top_json["ranked"].size() == 7);
  CHECK(top_json["feasible_total"] == all_json["ranked"].size());
  CHECK(top_json["feasible_total"] == all_json["feasible_total"]);
  CHECK(top_json["break_even_alpha"] == all_json["break_even_alpha"]);
  CHECK(top_json["baseline"] == all_json["baseline"]);
  for (size_t i = 0; i < 7; ++i) CHECK(top_json["ranked"][i] == all_json["ranked"][i]);
  REQUIRE(top.size() >= 8);
  for (size_t i = 0; i < 8; ++i) CHECK(top[i] == all[i]);  // header + the 7 best rows
  CHECK(slurp(t / "top/best-plan.yaml") == slurp(t / "all/best-plan.yaml"));
  CHECK(r.out.find("the best 7 kept (--top)") != std::string::npos);
}
