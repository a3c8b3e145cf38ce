// `hetspec export`: a plan as another engine runs it. Today llama.cpp: the command line of its
// speculative tools for the plan, what llama.cpp runs differently, and the plan's predicted tokens/s
// and speedup, as a shell script on stdout (comments, then the command). The mapping is the library's
// (plan/llamacpp_export.hpp); this only wires flags.
#include <cstdio>
#include <iostream>

#include "hetspec/core/bundled.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/plan/llamacpp_export.hpp"
#include "hetspec/plan/sweep.hpp"
#include "pair_args.hpp"
#include "registry.hpp"

namespace {
using namespace hetspec;

struct ExportArgs {
  cli::PairArgs pair;
  std::string plan, engine, tool = "llama-speculative", device_map;
};

bool is_gguf(const std::string& p) { return p.size() > 5 && p.substr(p.size() - 5) == ".gguf"; }

int run(const ExportArgs& a) {
  if (a.engine != "llama.cpp") throw Error("--engine", "expected llama.cpp, got '" + a.engine + "'");
  if (a.pair.draft.rfind("self:", 0) == 0)
    throw Error("--draft", "llama.cpp has no early-exit self-draft (self:K); give a draft GGUF");
  LlamaCppExportOptions opt;
  opt.tool = a.tool;
  if (!a.device_map.empty()) opt.device_map = parse_device_map(a.device_map, "--device-map");
  cli::LoadedPair lp = cli::load_pair(a.pair);
  opt.target_path = is_gguf(a.pair.target) ? a.pair.target : "TARGET.gguf";
  opt.draft_path = is_gguf(a.pair.draft) ? a.pair.draft : "DRAFT.gguf";
  opt.gen_tokens = lp.workload.gen_tokens;
  Plan plan = load_plan(resolve_bundled(a.plan, Bundled::Plan), lp.prof, lp.draft.n_layers, lp.target.n_layers);
  // A GGUF's weight dtype is a fact of the file llama.cpp will load, whatever the plan says.
  if (is_gguf(a.pair.target)) plan.target.dtype = lp.target.weight_dtype;
  if (is_gguf(a.pair.draft)) plan.draft.dtype = lp.draft.weight_dtype;
  const LlamaCppCommand cmd = export_llamacpp(plan, lp.prof, lp.draft, lp.target, opt);

  // The prediction: this plan, llama.cpp's sequential variant of it, and plain decoding on the best PU.
  Plan as_run = plan;
  as_run.mode = Mode::Sequential;
  const Estimate e = predict(as_run, lp.draft, lp.target, lp.prof, lp.acc, lp.workload);
  const double base_us = cli::best_plain_us(lp, plan.target.dtype);

  std::printf("#!/bin/sh\n# hetspec plan %s: %s\n", a.plan.c_str(),
              describe_plan(plan, lp.prof, lp.draft.n_layers, lp.target.n_layers).c_str());
  std::printf("# as llama.cpp 0c1e570 (llama-cpp-python 0.3.36) names its flags; profile: %s, acceptance: %s\n",
              lp.prof.name.c_str(), lp.acc.source.c_str());
  if (e.feasible && e.per_token_us > 0 && base_us > 0) {
    std::printf("# predicted by hetspec's cost model with this profile, drafting and verifying in sequence as llama.cpp "
                "does: %.1f tokens/s, %.3fx over plain decoding (%.1f tokens/s)\n",
                1e6 / e.per_token_us, base_us / e.per_token_us, 1e6 / base_us);
    if (!plan.speculative())
      std::printf("# warning: the plan drafts nothing: no speculative plan beats plain decoding here\n");
    else if (base_us / e.per_token_us < 1.0)
      std::printf("# warning: predicted slower than plain decoding (%.2fx): run llama.cpp without a draft\n",
                  base_us / e.per_token_us);
  } else {
    std::printf("# warning: the plan is infeasible with this profile: %s\n", e.reason.c_str());
  }
  for (const auto& w : cmd.warnings) std::printf("# note: %s\n", w.c_str());
  std::printf("%s\n", cmd.shell().c_str());
  return 0;
}

hetspec::cli::Registrar reg("export", "Print the command line that runs a plan in another engine (llama.cpp)",
                            [](CLI::App& app) {
                              auto a = std::make_shared<ExportArgs>();
                              cli::add_pair_options(app, a->pair);
                              app.add_option("--plan", a->plan, "plan file (hetspec.plan/1), e.g. a sweep's best-plan.yaml")
                                  ->required();
                              app.add_option("--engine", a->engine, "the engine: llama.cpp")->required();
                              app.add_option("--tool", a->tool, "llama-speculative or llama-server")->capture_default_str();
                              app.add_option("--device-map", a->device_map,
                                             "hetspec PU id = llama.cpp device name, comma list (e.g. cl:0=CUDA0)");
                              return std::function<int()>([a] { return run(*a); });
                            });
}  // namespace
