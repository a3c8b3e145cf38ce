// `hetspec bench-forward`: one row per requested m with tokens/s = m / time and T(1)/T(1) = 1, the JSON
// form carries the same points, and bad input is one error line with exit code 2.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <sstream>

#include "spec/spec_models.hpp"
#include "support/bad_input.hpp"
#include "support/run_cli.hpp"

using namespace hetspec::test;

TEST_CASE("bench-forward: a row per m with time, tokens/s and T(m)/T(1)", "[cli][bench-forward]") {
  const auto& models = spec_models();
  CliResult r = run_cli("bench-forward --model " + models.target + " --m 1-3,8 --reps 2 --depth 16", 60);
  INFO("stderr: " << r.err);
  REQUIRE(r.code == 0);
  std::istringstream in(r.out);
  std::string line;
  REQUIRE(std::getline(in, line));
  CHECK(line.rfind("# model spec-test; device cpu", 0) == 0);
  CHECK(line.find("depth 16") != std::string::npos);
  REQUIRE(std::getline(in, line));
  CHECK(line.find("T(m)/T(1)") != std::string::npos);
  std::vector<int> ms;
  while (std::getline(in, line)) {
    std::istringstream row(line);
    int m = 0;
    double ms_time = 0, cv = 0, tps = 0, ratio = 0;
    REQUIRE(row >> m >> ms_time >> cv >> tps >> ratio);
    ms.push_back(m);
    CHECK(ms_time > 0);
    // ms is printed to 3 decimals: a forward of this tiny model takes ~0.02-0.1 ms, so the printed
    // time alone carries up to 0.0005 / ms of relative error.
    CHECK(tps == Approx(m * 1e3 / ms_time).epsilon(0.0005 / ms_time + 0.005));
    if (m == 1) CHECK(ratio == Approx(1.0));
  }
  CHECK(ms == std::vector<int>{1, 2, 3, 8});

  CliResult j = run_cli("bench-forward --model " + models.target + " --m 4 --reps 1 --depth 0 --logits last --json", 60);
  REQUIRE(j.code == 0);
  auto doc = nlohmann::json::parse(j.out);
  CHECK(doc["schema"] == "hetspec.bench-forward/1");
  CHECK(doc["logits"] == "last");
  REQUIRE(doc["points"].size() == 1);  // T(1) is measured for the ratio but only m = 4 is a row
  CHECK(doc["points"][0]["m"] == 4);
  CHECK(doc["t1_us"].get<double>() > 0);
}

TEST_CASE("bench-forward: bad input is one error line, exit 2", "[cli][bad-input][bench-forward]") {
  const auto& models = spec_models();
  check_one_line_error(run_cli("bench-forward --model " + models.target + " --m 2,x"), "--m");
  check_one_line_error(run_cli("bench-forward --model " + models.target + " --m 0"), "--m");
  check_one_line_error(run_cli("bench-forward --model " + models.target + " --pu gpu:0"), "gpu:0");
  check_one_line_error(run_cli("bench-forward --model " + models.target + " --logits some"), "--logits");
  check_one_line_error(run_cli("bench-forward --model " + models.target + " --depth 250 --m 16"), "context");
  check_one_line_error(run_cli("bench-forward --model /nonexistent/model.gguf"), "model.gguf");
  check_one_line_error(run_cli("bench-forward --model " + models.target + " --kernel-times 3"), "--kernel-times");
  check_one_line_error(run_cli("bench-forward --model " + models.target + " --kernel-times -1"), "--kernel-times");
}
