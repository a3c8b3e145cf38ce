// A plan as llama.cpp's command line: -ngl from llama.cpp's own layer rule (the output layer and the
// last k−1 layers go to the device), the draft's flags, and a warning for what llama.cpp runs
// differently. Plus the CLI: a script with the prediction and the command.
#include <catch2/catch.hpp>

#include <algorithm>

#include "hetspec/core/error.hpp"
#include "hetspec/model/model_spec.hpp"
#include "hetspec/plan/llamacpp_export.hpp"
#include "support/run_cli.hpp"
#include "support/paths.hpp"

using namespace hetspec;
using namespace hetspec::test;

namespace {
struct Fixture {
  Profile prof = load_profile(source_path("configs/socs/nxp-imx95.yaml"));  // cpu (0), gpu (1)
  ModelSpec target = load_model_spec(source_path("configs/models/llama-3.2-3b.yaml"));  // 28 layers
  ModelSpec draft = load_model_spec(source_path("configs/models/llama-3.2-1b.yaml"));   // 16 layers
  LlamaCppExportOptions opt;
  Fixture() {
    opt.target_path = "t.gguf";
    opt.draft_path = "d.gguf";
    opt.device_map = {{"gpu", "OpenCL0"}};
  }
};
ModelPlacement on(int pu) {
  ModelPlacement p;
  p.pu = p.head_pu = pu;
  return p;
}
std::string flag(const LlamaCppCommand& c, const std::string& f) {
  auto it = std::find(c.argv.begin(), c.argv.end(), f);
  return it == c.argv.end() || it + 1 == c.argv.end() ? "" : *(it + 1);
}
bool warns(const LlamaCppCommand& c, const std::string& s) {
  for (const auto& w : c.warnings)
    if (w.find(s) != std::string::npos) return true;
  return false;
}
}  // namespace

TEST_CASE("export to llama.cpp: the seed paper's plan, draft on the GPU, target on the CPU", "[plan][export]") {
  Fixture f;
  Plan p;
  p.threads = {6, 1};
  p.target = on(0);
  p.draft = on(1);
  p.gamma = 3;
  p.mode = Mode::Overlapped;
  const LlamaCppCommand c = export_llamacpp(p, f.prof, f.draft, f.target, f.opt);
  CHECK(c.argv[0] == "llama-speculative");
  CHECK(flag(c, "-m") == "t.gguf");
  CHECK(flag(c, "-md") == "d.gguf");
  CHECK(flag(c, "-ngl") == "0");
  CHECK(flag(c, "--device").empty());
  CHECK(flag(c, "-ngld") == "17");  // 16 layers + the output layer
  CHECK(flag(c, "-devd") == "OpenCL0");
  CHECK(flag(c, "-t") == "6");
  CHECK(flag(c, "--spec-draft-n-max") == "3");
  CHECK(flag(c, "--spec-draft-p-min") == "0");
  CHECK(flag(c, "--temp") == "0");
  CHECK(warns(c, "in sequence"));  // overlapped runs sequential in llama.cpp
  CHECK(c.shell().find("llama-speculative -m t.gguf -ngl 0 -t 6 -md d.gguf -ngld 17 -devd OpenCL0") == 0);
}

TEST_CASE("export to llama.cpp: splits follow llama.cpp's -ngl rule", "[plan][export]") {
  Fixture f;
  Plan p;
  p.threads = {6, 1};
  p.gamma = 2;
  p.draft = on(0);
  // cpu[0-19] + gpu[20-27], head on the GPU: the output and the last 8 layers, -ngl 9, exact.
  p.target.pu = 0, p.target.split_pu = 1, p.target.split = 20, p.target.head_pu = 1;
  LlamaCppCommand c = export_llamacpp(p, f.prof, f.draft, f.target, f.opt);
  CHECK(flag(c, "-ngl") == "9");
  CHECK(flag(c, "--device") == "OpenCL0");
  CHECK(c.warnings.empty());
  // The same split with the head on the CPU cannot be expressed: said.
  p.target.head_pu = 0;
  c = export_llamacpp(p, f.prof, f.draft, f.target, f.opt);
  CHECK(flag(c, "-ngl") == "9");
  CHECK(warns(c, "LM head on the CPU"));
  // GPU first, CPU last: llama.cpp offloads the last layers, said.
  p.target.pu = 1, p.target.split_pu = 0, p.target.head_pu = 0;
  c = export_llamacpp(p, f.prof, f.draft, f.target, f.opt);
  CHECK(warns(c, "not the first"));
  // Layers on the CPU, only the head on the GPU: -ngl 1.
  p.target = on(0);
  p.target.head_pu = 1;
  c = export_llamacpp(p, f.prof, f.draft, f.target, f.opt);
  CHECK(flag(c, "-ngl") == "1");
  // No device map: a placeholder and a note.
  f.opt.device_map.clear();
  c = export_llamacpp(p, f.prof, f.draft, f.target, f.opt);
  CHECK(flag(c, "--device") == "gpu");
  CHECK(warns(c, "--device-map gpu=NAME"));
}

TEST_CASE("export to llama.cpp: plain decoding, quoting and bad input", "[plan][export]") {
  Fixture f;
  Plan p;
  p.threads = {6, 1};
  p.target = on(0);
  f.opt.target_path = "my model's.gguf";
  LlamaCppCommand c = export_llamacpp(p, f.prof, f.draft, f.target, f.opt);
  CHECK(c.argv[0] == "llama-completion");
  CHECK(flag(c, "-md").empty());
  CHECK(c.shell().find("-m 'my model'\\''s.gguf'") != std::string::npos);
  f.opt.tool = "llama-run";
  CHECK_THROWS_WITH(export_llamacpp(p, f.prof, f.draft, f.target, f.opt), Catch::Contains("--tool"));
  CHECK_THROWS_WITH(parse_device_map("cl:0", "--device-map"), Catch::Contains("--device-map"));
  CHECK(parse_device_map("cl:0=CUDA0,gpu=Vulkan0", "--device-map").at("gpu") == "Vulkan0");
}

TEST_CASE("hetspec export --engine llama.cpp prints a script with the prediction", "[plan][export][cli]") {
  CliResult r = run_cli("export --engine llama.cpp --soc " + source_path("configs/socs/nxp-imx95.yaml") + " --target " +
                        source_path("configs/models/llama-3.2-3b.yaml") + " --draft " +
                        source_path("configs/models/llama-3.2-1b.yaml") + " --alpha 0.85 --plan " +
                        source_path("configs/plans/imx95-gpu-draft.yaml") + " --device-map gpu=OpenCL0");
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.rfind("#!/bin/sh\n", 0) == 0);
  CHECK(r.out.find("tokens/s") != std::string::npos);
  CHECK(r.out.find("x over plain decoding") != std::string::npos);
  CHECK(r.out.find("\nllama-speculative -m TARGET.gguf") != std::string::npos);
  CHECK(r.out.find("--spec-draft-n-max 3") != std::string::npos);
  CliResult bad = run_cli("export --engine vllm --soc " + source_path("configs/socs/nxp-imx95.yaml") + " --target " +
                          source_path("configs/models/llama-3.2-3b.yaml") + " --draft self:4 --plan " +
                          source_path("configs/plans/imx95-gpu-draft.yaml"));
  CHECK(bad.code == 2);
  CHECK(bad.err.find("--engine") != std::string::npos);
}
