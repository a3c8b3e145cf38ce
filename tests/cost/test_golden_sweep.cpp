// Golden sweep: configs/socs/nxp-imx95.yaml with Llama-3.2-3B + Llama-3.2-1B at alpha 0.7. Any change
// to the cost model shows up here; when the change is intended, regenerate with
//   HETSPEC_UPDATE_GOLDEN=1 ./build/hetspec_tests "[golden]"
// and explain the difference in the commit.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "hetspec/core/atomic_write.hpp"
#include "hetspec/plan/sweep.hpp"
#include "hetspec/report/sweep_writer.hpp"
#include "support/paths.hpp"

using namespace hetspec;
using hetspec::test::source_path;

namespace {
std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep)) out.push_back(item);
  if (!s.empty() && s.back() == sep) out.push_back("");
  return out;
}

bool same_cell(const std::string& a, const std::string& b) {
  if (a == b) return true;
  char* ea = nullptr;
  char* eb = nullptr;
  double x = std::strtod(a.c_str(), &ea), y = std::strtod(b.c_str(), &eb);
  if (ea == a.c_str() || eb == b.c_str() || *ea || *eb) return false;
  return std::fabs(x - y) <= 1e-4 * std::max(1.0, std::max(std::fabs(x), std::fabs(y)));
}
}  // namespace

TEST_CASE("golden sweep: i.MX 95, Llama-3.2-3B target, Llama-3.2-1B draft, alpha 0.7", "[golden]") {
  Profile prof = load_profile(source_path("configs/socs/nxp-imx95.yaml"));
  ModelSpec target = load_model_spec(source_path("configs/models/llama-3.2-3b.yaml"));
  ModelSpec draft = load_model_spec(source_path("configs/models/llama-3.2-1b.yaml"));
  Acceptance acc = parse_alpha("0.7");
  Workload w;
  SweepResult r = run_sweep(prof, draft, target, acc, w, PlanSpaceOptions{});
  SweepContext ctx{&prof, &draft, &target, &acc, w};
  std::string csv = sweep_csv(r, ctx);
  std::stringstream in(csv);
  std::string line, got;
  char buf[128];
  std::snprintf(buf, sizeof buf, "# evaluated %zu feasible %zu break_even_alpha %.4f\n", r.evaluated, r.ranked.size(),
                r.break_even_alpha);
  got += buf;
  for (int i = 0; i < 101 && std::getline(in, line); ++i) got += line + "\n";  // header + top 100
  const std::string golden_path = source_path("tests/golden/sweep-imx95-llama3b-1b.csv");
  if (const char* u = std::getenv("HETSPEC_UPDATE_GOLDEN"); u && std::string(u) == "1") {
    write_file_atomic(golden_path, got);
    WARN("golden file rewritten: " << golden_path);
    return;
  }
  std::ifstream gf(golden_path);
  REQUIRE(gf.good());
  std::stringstream want_ss;
  want_ss << gf.rdbuf();
  auto want = split(want_ss.str(), '\n');
  auto have = split(got, '\n');
  REQUIRE(have.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    auto a = split(have[i], i == 0 ? ' ' : ','), b = split(want[i], i == 0 ? ' ' : ',');
    INFO("line " << i + 1 << "\n  have: " << have[i] << "\n  want: " << want[i]);
    REQUIRE(a.size() == b.size());
    for (size_t j = 0; j < a.size(); ++j) REQUIRE(same_cell(a[j], b[j]));
  }
}
