// `hetspec generate` flags: --n is at least 1; how --prompt treats special-token text is stated in --help.
#include <catch2/catch.hpp>

#include <filesystem>

#include "spec/spec_models.hpp"
#include "support/bad_input.hpp"
#include "support/paths.hpp"
#include "support/run_cli.hpp"

using namespace hetspec::test;

TEST_CASE("generate: --n must be at least 1; --special is documented", "[cli][bad-input][hardening]") {
  const auto& m = spec_models();
  check_one_line_error(run_cli("generate --model " + m.target + " --prompt hi --n 0"), "--n");
  CliResult help = run_cli("generate --help");
  CHECK(help.code == 0);
  CHECK(help.out.find("--special") != std::string::npos);
  CHECK(help.out.find("plain text unless --special") != std::string::npos);
}
