// Bundled data by name (core/bundled.hpp): `--soc nxp-imx95 --target llama-3.2-3b` works from any
// directory, a path still wins, and an unknown name is one error line naming it and where it looked.
#include <catch2/catch.hpp>

#include <algorithm>

#include "support/paths.hpp"
#include "support/run_cli.hpp"

using namespace hetspec::test;

TEST_CASE("sweep and predict resolve bundled SoC, model and plan names", "[cli][bundled]") {
  TempDir t;
  CliResult r = run_cli("sweep --soc nxp-imx95 --target llama-3.2-3b --draft llama-3.2-1b.yaml --max-gamma 3 --out " + t / "s");
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(slurp(t / "s/sweep.json").find("\"soc\": \"nxp-imx95\"") != std::string::npos);
  CliResult p = run_cli("predict --soc nxp-imx95 --target llama-3.2-3b --draft llama-3.2-1b --plan imx95-gpu-draft");
  INFO(p.err);
  CHECK(p.code == 0);
  // A path is a path: the same SoC through the source tree.
  CHECK(run_cli("sweep --soc " + source_path("configs/socs/nxp-imx95.yaml") + " --target llama-3.2-3b --draft self:4 --max-gamma 2").code == 0);
}

TEST_CASE("an unknown bundled name is one error line naming it and the places looked", "[cli][bundled][bad-input]") {
  for (const std::string& args : {std::string("sweep --soc no-such-soc --target llama-3.2-3b --draft llama-3.2-1b"),
                                  std::string("sweep --soc nxp-imx95 --target no-such-soc --draft llama-3.2-1b"),
                                  std::string("sweep --soc ./no-such-soc.yaml --target llama-3.2-3b --draft llama-3.2-1b")}) {
    CliResult r = run_cli(args);
    INFO(args << "\n" << r.err);
    CHECK(r.code == 2);
    CHECK(r.err.rfind("hetspec: error: ", 0) == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.err.find("no-such-soc") != std::string::npos);
  }
  CliResult r = run_cli("sweep --soc no-such-soc --target llama-3.2-3b --draft llama-3.2-1b");
  CHECK(r.err.find("no bundled SoC of that name (looked in ") != std::string::npos);
  CHECK(r.err.find("configs/socs") != std::string::npos);
}
