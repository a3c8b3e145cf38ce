// Issue 10: an output set either commits every file or leaves the --out directory as it was. When one
// rename fails (here a directory sits where sweep.csv should go), the files renamed before it are put
// back as they were, no new file and no "*.tmp.PID" / "*.old.PID" stays behind; the error is one line.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>

#include "support/bad_input.hpp"
#include "support/paths.hpp"
#include "support/run_cli.hpp"

using namespace hetspec::test;
namespace fs = std::filesystem;

namespace {
const std::string kSweep = "sweep --soc " + source_path("configs/socs/nxp-imx95.yaml") + " --target " +
                           source_path("configs/models/llama-3.2-3b.yaml") + " --draft " +
                           source_path("configs/models/llama-3.2-1b.yaml");

// Every entry under `dir`: name -> content ("<dir>" for a directory).
std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> m;
  for (auto& e : fs::recursive_directory_iterator(dir))
    m[fs::relative(e.path(), dir).string()] = e.is_directory() ? "<dir>" : slurp(e.path().string());
  return m;
}
}  // namespace

TEST_CASE("sweep: a failed rename in the output set restores the previous files", "[cli][bad-input][hardening]") {
  TempDir t;
  const std::string out = t / "result";
  REQUIRE(run_cli(kSweep + " --max-gamma 2 --alpha 0.6 --out " + out).code == 0);
  fs::remove(out + "/sweep.csv");
  fs::create_directories(out + "/sweep.csv/inside");  // a directory where a file should go
  const auto before = snapshot(out);
  CliResult r = run_cli(kSweep + " --max-gamma 3 --alpha 0.8 --out " + out);
  check_one_line_error(r, out + "/sweep.csv: ");
  CHECK(snapshot(out) == before);  // sweep.json (renamed before the failure) holds its old content again
}

TEST_CASE("sweep: a failed rename into a fresh directory leaves no new file", "[cli][bad-input][hardening]") {
  TempDir t;
  const std::string out = t / "result";
  fs::create_directories(out + "/best-plan.yaml");  // the last file of the set cannot be renamed
  CliResult r = run_cli(kSweep + " --max-gamma 2 --out " + out);
  check_one_line_error(r, out + "/best-plan.yaml: ");
  auto after = snapshot(out);
  CHECK(after == std::map<std::string, std::string>{{"best-plan.yaml", "<dir>"}});
}

TEST_CASE("sweep: an --out directory that cannot be created is one line and nothing is made", "[cli][bad-input][hardening]") {
  TempDir t;
  const std::string blocker = t.file("afile", "x");
  CliResult r = run_cli(kSweep + " --max-gamma 2 --out " + blocker + "/sub/dir");
  check_one_line_error(r, blocker);
  CHECK(slurp(blocker) == "x");
  CHECK(snapshot(t.path.string()).size() == 1);
}
