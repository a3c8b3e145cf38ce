// `hetspec make-model` on absurd specs: each size is bounded (model_spec.cpp kSizeLimits), products are
// checked, and a spec within bounds but beyond this machine's memory is refused before allocating.
#include <catch2/catch.hpp>

#include <filesystem>

#include "support/bad_input.hpp"
#include "support/paths.hpp"
#include "support/run_cli.hpp"

using namespace hetspec::test;

namespace {
const std::string kSmolSpec = source_path("configs/models/smollm2-135m.yaml");
}  // namespace

TEST_CASE("make-model of an absurd spec is one line, not overflow or an allocation until death", "[cli][bad-input][hardening]") {
  TempDir t;
  const std::string base = slurp(kSmolSpec), gguf = t / "m.gguf";
  auto bad = [&](const std::string& from, const std::string& to, const std::string& msg) {
    std::string spec = t.file("m.yaml", with(base, from, to));
    check_one_line_error(run_cli("make-model --spec " + spec + " --out " + gguf), spec + ": " + msg, gguf);
  };
  bad("heads: 9\nkv_heads: 3\nhead_dim: 64", "heads: 2000000000\nkv_heads: 1\nhead_dim: 2000000000", "heads: absurd size");
  bad("head_dim: 64", "head_dim: 2000000000", "head_dim: absurd size 2000000000");
  bad("heads: 9\nkv_heads: 3\nhead_dim: 64", "heads: 1000\nkv_heads: 1\nhead_dim: 1000", "heads*head_dim: absurd size");
  bad("context: 8192", "context: 2000000000", "context: absurd size");
  bad("layers: 30", "layers: 100000", "layers: absurd size");
  // Within every bound but far beyond this machine's memory.
  bad("layers: 30\nd_model: 576", "layers: 4096\nd_model: 65536", "too large to write: needs ~");
}
