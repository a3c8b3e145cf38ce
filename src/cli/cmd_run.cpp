// `hetspec run`: run a plan (from `sweep` or written by hand) with speculative decoding on real GGUF
// models over a prompt set, beside the plain-decoding baselines, and report what was measured.
// Thin: every check and all the work are in spec/ (experiment, plan binding) and report/ (writers).
#include <chrono>
#include <ctime>
#include <iostream>

#include "hetspec/core/atomic_write.hpp"
#include "hetspec/core/bundled.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/cost/acceptance.hpp"
#include "hetspec/model/model_source.hpp"
#include "hetspec/report/run_writer.hpp"
#include "hetspec/spec/plan_binding.hpp"
#include "hetspec/spec/run_report.hpp"
#include "registry.hpp"

namespace {
using namespace hetspec;

struct RunArgs {
  std::string plan, target, draft, prompts, out, profile, accept_rate, accept_draw = "stratified";
  int gamma = -1, max_new = 48, limit = 0, warmup = 1;
  std::string mode, baseline = "best";
  float temp = 0, top_p = 1;
  int top_k = 0;
  uint64_t seed = 1;
  bool no_chat = false, batch_invariant = false, no_baseline = false, quiet = false;
};

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

int run(const RunArgs& a) {
  // Everything that can be checked before a model is loaded.
  SpecOptions opt;
  if (!a.accept_rate.empty()) {
    Acceptance acc = parse_alpha(a.accept_rate);  // number, list or file; values in [0, 1]
    opt.accept_rate = acc.alpha;
  }
  opt.sampler = SamplerParams{.temperature = a.temp, .top_k = a.top_k, .top_p = a.top_p, .seed = a.seed};
  opt.max_new = a.max_new;
  opt.accept_seed = a.seed;
  opt.accept_stratified = a.accept_draw == "stratified";
  Profile prof = a.profile.empty() ? machine_profile() : load_profile(resolve_bundled(a.profile, Bundled::Soc));
  const ModelSpec target = load_spec_from(a.target);
  int draft_layers = target.n_layers;
  if (!a.draft.empty()) {
    ModelSpec draft = load_draft_spec_from(a.draft, target);
    check_draft_target_pair(draft, a.draft, target, a.target);
    draft_layers = draft.n_layers;
  }
  Plan plan = load_plan(resolve_bundled(a.plan, Bundled::Plan), prof, draft_layers, target.n_layers);
  if (a.gamma >= 0) plan.gamma = a.gamma;
  if (!a.mode.empty()) plan.mode = a.mode == "overlapped" ? Mode::Overlapped : Mode::Sequential;
  if (plan.gamma > 0 && a.draft.empty()) throw Error(a.plan + ": gamma", "the plan drafts; give --draft FILE.gguf or self:K");
  if (target.context > 0 && 2 * plan.gamma + a.max_new + 2 > target.context)
    throw Error(a.plan + ": gamma", "γ = " + std::to_string(plan.gamma) + " with " + std::to_string(a.max_new) +
                                        " new tokens does not fit the target's context of " + std::to_string(target.context));
  check_plan_runnable(plan, prof);
  auto prompts = load_prompts(resolve_bundled(a.prompts, Bundled::Prompts));
  if (a.limit > 0 && size_t(a.limit) < prompts.size()) prompts.resize(size_t(a.limit));

  ExperimentConfig cfg;
  cfg.target_path = a.target;
  cfg.draft_arg = a.draft;
  cfg.plan = plan;
  cfg.profile = prof;
  cfg.prompts = prompts;
  cfg.opt = opt;
  cfg.chat = !a.no_chat;
  cfg.warmup = a.warmup;
  cfg.batch_invariant = a.batch_invariant;
  cfg.baselines = !a.no_baseline;
  cfg.baseline_pu = a.baseline;
  if (!a.quiet) cfg.progress = [](const std::string& s) { std::cerr << s << "\n"; };
  ExperimentResult res = run_experiment(cfg);

  RunReport rep = make_run_report(res, opt);
  rep.date = now_utc();
  rep.plan_yaml = plan_to_yaml(plan, prof);
  rep.prompts_file = a.prompts;
  rep.profile_name = prof.name;
  rep.command = "hetspec run --plan " + a.plan + " --target " + a.target + (a.draft.empty() ? "" : " --draft " + a.draft) +
                " --prompts " + a.prompts + " --out " + a.out;
  AtomicWriteSet out;
  out.add(a.out + "/summary.json", run_summary_json(rep));
  out.add(a.out + "/trace.json", run_trace_json(res, rep.timing_mode));
  out.add(a.out + "/outputs.jsonl", run_outputs_jsonl(res, prompts));
  out.add(a.out + "/plan.yaml", rep.plan_yaml);
  out.commit();
  std::cout << run_table(rep) << "wrote " << a.out << "/{summary.json,trace.json,outputs.jsonl,plan.yaml}\n";
  return 0;
}

hetspec::cli::Registrar reg("run", "Run a plan with speculative decoding on real GGUF models, beside plain-decoding baselines",
                            [](CLI::App& app) {
  auto a = std::make_shared<RunArgs>();
  app.add_option("--plan", a->plan, "plan file (hetspec.plan/1), e.g. a sweep's best-plan.yaml")->required();
  app.add_option("--target", a->target, "target GGUF model")->required();
  app.add_option("--draft", a->draft, "draft GGUF model (same tokenizer) or self:K (the target's first K layers)");
  app.add_option("--prompts", a->prompts, "prompt set (JSON lines: id, task, prompt), configs/prompts/*.jsonl")->required();
  app.add_option("--out", a->out, "output directory (summary.json, trace.json, outputs.jsonl)")->required();
  app.add_option("--profile", a->profile, "profile the plan was swept on (default: this machine's devices: cpu, cl:N)");
  app.add_option("--accept-rate", a->accept_rate,
                 "timing mode: accept each draft token with this probability (a number, a per-position list, or an "
                 "acceptance YAML); forwards stay real, the text is not the target's");
  app.add_option("--accept-draw", a->accept_draw,
                 "timing mode: stratified (each position realises its rate to within 1/n) or random (independent draws)")
      ->check(CLI::IsMember({"stratified", "random"}))
      ->capture_default_str();
  app.add_option("--gamma", a->gamma, "override the plan's draft length")->check(CLI::Range(0, 64));
  app.add_option("--mode", a->mode, "override the plan's mode")->check(CLI::IsMember({"sequential", "overlapped"}));
  app.add_option("--max-new", a->max_new, "tokens to generate per prompt")->check(CLI::Range(1, 1 << 16))->capture_default_str();
  app.add_option("--limit", a->limit, "use the first N prompts")->check(CLI::Range(1, 1 << 20));
  app.add_option("--warmup", a->warmup, "warm-up requests per arm")->check(CLI::Range(0, 100))->capture_default_str();
  app.add_option("--temp", a->temp, "temperature (0 = greedy verification)")->check(CLI::Range(0.0, 100.0));
  app.add_option("--top-k", a->top_k, "top-k filter (0 = off)")->check(CLI::Range(0, 1 << 24));
  app.add_option("--top-p", a->top_p, "nucleus mass (1 = off)")->check(CLI::Range(0.0, 1.0));
  app.add_option("--seed", a->seed, "sampling and acceptance seed");
  app.add_flag("--no-chat", a->no_chat, "feed prompts as plain text (no chat template)");
  app.add_flag("--batch-invariant", a->batch_invariant, "row i of a multi-token forward bit-equal to a one-token forward");
  app.add_flag("--no-baseline", a->no_baseline, "run only the plan");
  app.add_option("--baseline", a->baseline,
                 "plain-decoding baseline: best (each single PU on the warm-up request, the fastest wins) or a PU id")
      ->capture_default_str();
  app.add_flag("--quiet,-q", a->quiet, "no per-request progress lines");
  return std::function<int()>([a] { return run(*a); });
});

}  // namespace
