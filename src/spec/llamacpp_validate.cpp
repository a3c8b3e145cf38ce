#include "hetspec/spec/llamacpp_validate.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "hetspec/core/error.hpp"
#include "hetspec/core/subprocess.hpp"
#include "hetspec/engine/runner/device_registry.hpp"
#include "hetspec/model/gguf_file.hpp"
#include "hetspec/model/tokenizer_gguf.hpp"
#include "hetspec/plan/llamacpp_export.hpp"
#include "hetspec/plan/sweep.hpp"
#include "hetspec/spec/llamacpp_loop.hpp"
#include "hetspec/spec/llamacpp_output.hpp"

namespace hetspec {

namespace {

// One tool run of one prompt: its decode span and what it says about drafting.
struct ToolRun {
  DecodeSample decode;
  int n_input = 0;  // prompt tokens
  int n_predict = 0, n_drafted = 0, n_accept = 0, iterations = 0;
};

ToolRun run_tool(std::vector<std::string> argv, const std::string& prompt, const ValidateConfig& cfg) {
  auto p = std::find(argv.begin(), argv.end(), "-p");
  check(p != argv.end() && p + 1 != argv.end(), argv[0], "exported command has no -p PROMPT");
  *(p + 1) = prompt;
  const std::string tool = argv[0];
  const std::string log = run_tool_output(argv, cfg.tool_timeout_s);
  ToolRun t;
  if (tool.size() >= 17 && tool.compare(tool.size() - 17, 17, "llama-speculative") == 0) {
    SpeculativeOutput o = parse_llama_speculative(log, tool);
    // The first token is sampled from the prompt's logits before the decode clock matters (as in
    // llama-completion's eval runs and hetspec's own executor): the span's forwards emit n_predict - 1.
    t.decode = {o.decode_s * 1e6, double(std::max(1, o.n_predict - 1))};
    t.n_input = o.n_input;
    t.n_predict = o.n_predict;
    t.n_drafted = o.n_drafted;
    t.n_accept = o.n_accept;
    t.iterations = o.n_verify();
  } else {
    CompletionOutput o = parse_llama_completion(log, tool);
    t.decode = {o.decode_us(), double(o.eval_runs)};
    t.n_input = o.prompt_tokens;
    t.n_predict = o.generated;
    t.iterations = o.eval_runs;
  }
  return t;
}

// Pooled over the prompts of one arm.
ArmSummary arm_of(const std::string& name, const std::string& placement, int gamma, const std::vector<ToolRun>& runs) {
  ArmSummary a;
  a.name = name;
  a.placement = placement;
  a.gamma = gamma;
  a.mode = "sequential";
  a.requests = int(runs.size());
  double us = 0, toks = 0, iters = 0, drafted = 0, accepted = 0;
  for (const auto& r : runs) {
    us += r.decode.us;
    toks += r.decode.tokens;
    iters += r.iterations;
    drafted += r.n_drafted;
    accepted += r.n_accept;
    a.tokens += r.n_predict;
  }
  a.per_token_us = toks > 0 ? us / toks : 0;
  a.tokens_per_s = us > 0 ? 1e6 * toks / us : 0;
  a.iter_us = iters > 0 ? us / iters : 0;
  a.tokens_per_iter = iters > 0 ? toks / iters : 0;
  if (gamma > 0 && drafted > 0) {  // llama.cpp's overall rate, kept as one "position"
    PositionAcceptance p;
    p.position = 0;
    p.reached = int64_t(drafted);
    p.accepted = int64_t(accepted);
    p.rate = wilson(int64_t(accepted), int64_t(drafted));
    a.acceptance.push_back(p);
  }
  return a;
}

// Acceptance as llama.cpp's own loop shows it, per target placement: every speculative γ of the grid
// runs on the calibration prompts with the draft beside the target's head (the grid's plan that puts
// it there, else the first), and the tokens per iteration at each γ give per-position rates
// (acceptance_from_rates). For targets whose placements accept differently; on the H200 machine the
// per-γ totals on 4 prompts were noisier than hetspec's pooled estimate (docs/llamacpp.md), so it is
// opt-in (--acceptance-from llama.cpp).
template <class Command, class Say>
void measure_llamacpp_acceptance(const std::vector<Plan>& grid, const Profile& prof, const ValidationStart& st,
                                 const std::vector<std::string>& calib, const Command& command, const ValidateConfig& cfg,
                                 const Say& say, Validation& v) {
  std::vector<std::string> keys;
  std::map<std::string, std::map<int, const Plan*>> pick;  // key -> γ -> plan
  for (const auto& p : grid) {
    if (!p.speculative() || p.mode != Mode::Sequential) continue;
    const std::string key = target_key(p, prof, st.target.n_layers);
    if (!pick.count(key)) keys.push_back(key);
    const Plan*& slot = pick[key][p.gamma];
    if (!slot || (slot->draft.pu != p.target.head_pu && p.draft.pu == p.target.head_pu)) slot = &p;
  }
  bool warmed = false;
  for (const auto& key : keys) {
    std::vector<IterationRate> rates;
    std::string gammas;
    for (const auto& [gamma, plan] : pick[key]) {
      const LlamaCppCommand cmd = command(*plan);
      if (!warmed) {  // page the models in and warm the caches once, untimed
        run_tool(cmd.argv, calib.front(), cfg);
        warmed = true;
      }
      double emitted = 0, iters = 0;
      for (const auto& prompt : calib) {
        const ToolRun t = run_tool(cmd.argv, prompt, cfg);
        emitted += std::max(0, t.n_predict - 1);
        iters += t.iterations;
      }
      if (iters <= 0) continue;
      rates.push_back({gamma, emitted / iters, int64_t(emitted / double(calib.size()) + 0.5)});
      gammas += (gammas.empty() ? "" : ",") + std::to_string(gamma);
      char buf[160];
      std::snprintf(buf, sizeof buf, "calibration (llama.cpp): target %s, γ = %d: %.3f tokens per iteration", key.c_str(), gamma,
                    emitted / iters);
      say(buf);
    }
    Acceptance a;
    a.alpha = acceptance_from_rates(rates);
    if (a.alpha.empty()) continue;
    a.source = "llama.cpp on " + std::to_string(calib.size()) + " calibration prompts at γ " + gammas;
    v.acceptance_by_target[key] = a;
  }
}

// Plain decoding's term (LoopTerms::plain_us) re-fitted per plain plan of the grid (one PU, a thread
// count with loop terms in the profile) on the calibration prompts, each run once with the exported
// command, as the baseline arm runs them (PlainTermFit says why).
template <class Command, class Say>
std::vector<PlainTermFit> fit_plain_on_calibration(const std::vector<Plan>& grid, const Profile& prof, const ValidationStart& st,
                                                   const std::vector<std::string>& calib, const Command& command,
                                                   const ValidateConfig& cfg, const Say& say) {
  std::vector<PlainTermFit> fits;
  const int cpu = prof.pu_index("cpu");
  bool warmed = false;
  for (const auto& p : grid) {
    if (p.gamma != 0 || p.target.is_split() || p.target.pu != p.target.head_pu) continue;
    PlainTermFit f;
    f.pu = prof.pus[size_t(p.target.head_pu)].id;
    f.threads = p.threads[size_t(cpu)];
    const LoopTerms* l = nullptr;
    for (const auto& t : prof.executor.loop)
      if (t.pu == f.pu && t.threads == f.threads) l = &t;
    if (!l) {
      say("calibration (llama.cpp): no loop terms for " + f.pu + " at " + std::to_string(f.threads) +
          " threads in the profile: its plain decoding keeps the profile's pricing");
      continue;
    }
    const LlamaCppCommand cmd = command(p);
    if (!warmed) {  // page the model in and warm the caches once, untimed
      run_tool(cmd.argv, calib.front(), cfg);
      warmed = true;
    }
    std::vector<PlainSample> runs;
    for (const auto& prompt : calib) {
      const ToolRun t = run_tool(cmd.argv, prompt, cfg);
      runs.push_back({f.threads, t.decode.us, t.n_input, int(t.decode.tokens)});
    }
    f.profile_us = l->plain_us;
    f.fitted_us = fit_plain_term(runs, f.threads, prof, st.target, f.pu);
    f.runs = int(runs.size());
    fits.push_back(f);
    char buf[200];
    std::snprintf(buf, sizeof buf, "calibration (llama.cpp): plain decoding on %s at %d threads: term %.0f us/token (profile: %.0f)",
                  f.pu.c_str(), f.threads, f.fitted_us, f.profile_us);
    say(buf);
  }
  return fits;
}

std::string tool_path(const ValidateConfig& cfg, const std::string& name) {
  const std::string p = cfg.llama_bin + "/" + name;
  if (access(p.c_str(), X_OK) != 0)
    throw Error("--llama-bin", "no executable " + name + " in '" + cfg.llama_bin + "' (scripts/llamacpp.sh builds it)");
  return p;
}

}  // namespace

Validation run_llamacpp_validation(const ValidateConfig& cfg, const std::vector<PlanOutcome>& done) {
  check(cfg.accept_rate.empty(), "--accept-rate",
        "llama.cpp runs the real models, so its acceptance is measured, not drawn: leave --accept-rate out");
  const Profile& prof = cfg.profile;
  const std::string spec_tool = tool_path(cfg, "llama-speculative"), plain_tool = tool_path(cfg, "llama-completion");
  Validation v;
  ValidationStart st = begin_validation(cfg, v);
  if (st.draft.borrows_embedding)
    throw Error(cfg.draft_arg, "borrows its target's embedding and LM head, which llama.cpp cannot: give the standalone "
                               "copy that `hetspec make-draft --target T --draft D --out full.gguf` writes");
  const int cpu = prof.pu_index("cpu");
  check(cpu >= 0, cfg.profile_path, "has no cpu PU (a llama.cpp profile is made by hetspec profile --engine llama.cpp)");
  std::vector<int> threads = prof.pus[size_t(cpu)].thread_options;
  if (cfg.threads > 0) threads = {cfg.threads};
  if (threads.empty()) threads = {prof.pus[size_t(cpu)].cores};
  std::vector<Plan> grid;
  for (int t : threads) {
    auto g = validation_grid(prof, st.draft, st.target, cfg.gammas, t, cfg.pus);
    grid.insert(grid.end(), g.begin(), g.end());
  }
  split_prompts(cfg, st, v);
  v.engine = "llama.cpp";
  const std::string desc = prof.pus[size_t(cpu)].name;
  if (auto k = desc.find("(llama.cpp "); k != std::string::npos) v.engine = desc.substr(k + 1, desc.find(')', k) - k - 1);
  DeviceRegistry registry;
  measure_acceptance(cfg, st, grid.front().threads, registry, v);

  auto f = GgufFile::open(cfg.target_path);
  const Tokenizer tok = tokenizer_from_gguf(f);
  const std::string template_key = cfg.target_path + ": tokenizer.chat_template";
  const std::vector<std::string> prompts = prompt_texts(tok, st.held, cfg.chat, template_key);
  LlamaCppExportOptions opt;
  opt.target_path = cfg.target_path;
  opt.draft_path = cfg.draft_arg;
  opt.device_map = cfg.device_map;
  opt.gen_tokens = cfg.max_new;
  auto command = [&](const Plan& p) {
    LlamaCppCommand c = export_llamacpp(p, prof, st.draft, st.target, opt);
    c.argv[0] = c.argv[0] == "llama-speculative" ? spec_tool : plain_tool;
    return c;
  };
  auto say = [&](const std::string& s) {
    if (cfg.progress) cfg.progress(s);
  };
  bool warmed = false;
  if (cfg.engine_acceptance && !cfg.prior_acceptance_by_target.empty()) {
    v.acceptance_by_target = cfg.prior_acceptance_by_target;
    say("calibration (llama.cpp): kept from the validation being resumed");
  } else if (cfg.engine_acceptance && !v.timing_mode) {
    measure_llamacpp_acceptance(grid, prof, st, prompt_texts(tok, st.calib, cfg.chat, template_key), command, cfg, say, v);
    warmed = true;
  }
  if (!cfg.prior_plain_terms.empty()) {
    v.plain_terms = cfg.prior_plain_terms;
    say("calibration (llama.cpp): plain decoding's terms kept from the validation being resumed");
  } else if (cfg.plain_from_calibration && !v.timing_mode && !st.calib.empty()) {
    v.plain_terms = fit_plain_on_calibration(grid, prof, st, prompt_texts(tok, st.calib, cfg.chat, template_key), command, cfg, say);
    warmed = warmed || !v.plain_terms.empty();
  }
  ValidateConfig fitted = cfg;  // the predictions price plain decoding with the re-fitted terms
  fitted.profile = with_plain_terms(prof, v.plain_terms);
  std::vector<PlanOutcome> outs = predict_plans(fitted, grid, st, v);
  for (auto& o : outs) o.description += " t" + std::to_string(o.plan.threads[size_t(cpu)]);  // the grid spans thread counts
  keep_measured(outs, done);

  // The baseline: plain decoding at the grid's predicted-fastest thread count.
  const Plan* base = nullptr;
  double base_us = 1e300;
  for (const auto& p : grid)
    if (p.gamma == 0 && !p.target.is_split()) {
      Estimate e = predict(p, st.draft, st.target, fitted.profile, v.acceptance, v.workload);
      if (e.feasible && e.per_token_us < base_us) base_us = e.per_token_us, base = &p;
    }
  check(base != nullptr, "--gammas", "the grid needs γ = 0 (plain decoding, the baseline)");
  const LlamaCppCommand base_cmd = command(*base);
  const std::string base_desc =
      describe_plan(*base, prof, st.draft.n_layers, st.target.n_layers) + " t" + std::to_string(base->threads[size_t(cpu)]);
  say("baseline (llama.cpp): " + base_desc + ": " + base_cmd.shell());
  const auto t_start = std::chrono::steady_clock::now();
  int n_run = 0;
  const int n_todo = int(std::count_if(outs.begin(), outs.end(), [](const PlanOutcome& o) { return !o.measured && o.predicted.feasible; }));
  for (auto& o : outs) {
    if (o.measured || !o.predicted.feasible) continue;
    if (cfg.cancelled && cfg.cancelled()) break;
    const LlamaCppCommand cmd = command(o.plan);
    say("[" + o.id + "/" + std::to_string(outs.size()) + "] " + o.description + progress_eta(t_start, n_run, n_todo));
    for (const auto& w : cmd.warnings) say("      llama.cpp: " + w);
    if (!warmed) {  // page the models in and warm the caches once, untimed
      run_tool(base_cmd.argv, prompts.front(), cfg);
      warmed = true;
    }
    std::vector<ToolRun> base_runs, plan_runs;
    for (const auto& prompt : prompts) {
      base_runs.push_back(run_tool(base_cmd.argv, prompt, cfg));
      plan_runs.push_back(run_tool(cmd.argv, prompt, cfg));
      if (cfg.cancelled && cfg.cancelled()) break;
    }
    if (plan_runs.size() < prompts.size()) break;  // interrupted mid-plan: not measured
    o.plan_arm = arm_of("plan", cmd.shell(), o.plan.gamma, plan_runs);
    o.baseline_arm = arm_of("baseline", base_desc, 0, base_runs);
    std::vector<DecodeSample> bs, ps;
    for (size_t i = 0; i < plan_runs.size(); ++i) bs.push_back(base_runs[i].decode), ps.push_back(plan_runs[i].decode);
    o.speedup = speedup_interval(bs, ps);
    o.measured = true;
    ++n_run;
    char buf[240];
    std::snprintf(buf, sizeof buf, ", measured %.3fx [%.3f, %.3f]; llama.cpp accept %.3f", o.speedup.value, o.speedup.lo,
                  o.speedup.hi, o.plan_arm.acceptance.empty() ? 0.0 : o.plan_arm.acceptance[0].rate.value);
    say("      " + predicted_speedup_text(o) + buf);
  }
  v.plans = outs;
  return v;
}

}  // namespace hetspec
