#include "hetspec/spec/experiment.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>

#include "hetspec/core/error.hpp"
#include "hetspec/engine/runner/runner_factory.hpp"
#include "hetspec/model/model_source.hpp"
#include "hetspec/model/tokenizer_gguf.hpp"
#include "hetspec/spec/plan_binding.hpp"

namespace hetspec {

namespace {

void check_same_tokenizer(const Tokenizer& a, const std::string& a_file, const Tokenizer& b, const std::string& b_file) {
  bool same = a.n_vocab() == b.n_vocab() && a.eog_ids() == b.eog_ids();
  for (int32_t i = 0; same && i < a.n_vocab(); ++i) same = a.token_text(i) == b.token_text(i);
  if (!same)
    throw Error(b_file, "its tokenizer differs from the target's (" + a_file +
                            "): speculative decoding needs the same vocabulary");
}

struct Arm {
  ArmRun run;
  std::unique_ptr<Runner> draft, target;
};

std::string placement_text(const Runner* draft, const Runner& target) {
  return (draft ? "draft " + draft->describe() + "; " : std::string()) + "target " + target.describe();
}

}  // namespace

ExperimentResult run_experiment(const ExperimentConfig& cfg) {
  const Plan& plan = cfg.plan;
  const Profile& prof = cfg.profile;
  check(!cfg.prompts.empty(), "--prompts", "no prompts");
  check_plan_runnable(plan, prof);

  // Models: loaded once, shared by every runner (a self:K draft is the target itself; a borrowing
  // draft's embedding and head are views into the target's mapping).
  auto target = CpuModel::load(cfg.target_path, 1);
  const ModelSpec& ts = target->spec();
  Tokenizer tok = tokenizer_from_gguf(target->file());
  std::unique_ptr<CpuModel> draft_file;
  const CpuModel* draft_model = nullptr;
  int draft_layers = 0;
  if (plan.speculative()) {
    check(!cfg.draft_arg.empty(), "--draft", "the plan drafts (γ > 0): give --draft FILE.gguf or self:K");
    if (is_self_draft(cfg.draft_arg)) {
      draft_layers = self_draft_layers(cfg.draft_arg, ts);
      draft_model = target.get();
    } else {
      draft_file = CpuModel::load_draft(cfg.draft_arg, *target, 1);  // may borrow the target's embedding and head
      check_same_tokenizer(tok, cfg.target_path, tokenizer_from_gguf(draft_file->file()), cfg.draft_arg);
      draft_model = draft_file.get();
      draft_layers = draft_file->spec().n_layers;
    }
  }

  // Prompts -> token ids (the chat template for instruct models).
  const auto ids = encode_prompts(tok, cfg.prompts, cfg.chat, cfg.target_path + ": tokenizer.chat_template");
  int longest = 0;
  for (const auto& t : ids) longest = std::max(longest, int(t.size()));
  SpecOptions base_opt = cfg.opt;
  if (base_opt.stop_ids.empty()) base_opt.stop_ids = tok.eog_ids();
  const int capacity = longest + base_opt.max_new + 2 * plan.gamma + 8;
  if (ts.context > 0 && capacity > ts.context)
    throw Error("--prompts", "the longest prompt (" + std::to_string(longest) + " tokens) + " +
                                 std::to_string(base_opt.max_new) + " new tokens + 2γ exceed the target's context of " +
                                 std::to_string(ts.context));

  DeviceRegistry own;
  DeviceRegistry& reg = cfg.registry ? *cfg.registry : own;
  auto make = [&](const CpuModel& m, RunnerSpec rs) {
    rs.capacity = capacity;
    rs.batch_invariant = cfg.batch_invariant;
    return make_runner(m, rs, reg);
  };
  auto say = [&](const std::string& s) {
    if (cfg.progress) cfg.progress(s);
  };

  std::vector<Arm> arms;
  {
    Arm a;
    a.run.name = "plan";
    a.run.gamma = plan.gamma;
    a.run.mode = plan.mode;
    a.target = make(*target, bind_placement(plan.target, plan, prof, ts.n_layers));
    if (plan.speculative()) a.draft = make(*draft_model, bind_placement(plan.draft, plan, prof, draft_layers));
    a.run.placement = placement_text(a.draft.get(), *a.target);
    arms.push_back(std::move(a));
  }
  ExperimentResult res;
  res.timing_mode = !cfg.opt.accept_rate.empty();
  res.target_desc = cfg.target_path;
  res.draft_desc = plan.speculative() ? cfg.draft_arg : "";

  auto opts_for = [&](const ArmRun& r) {
    SpecOptions o = base_opt;
    o.gamma = r.gamma;
    o.mode = r.mode;
    return o;
  };
  auto per_token = [](const RequestTrace& t) { return t.tokens.size() > 1 ? t.per_token_us() : 1e300; };

  if (cfg.baselines) {
    // The plan's own target placement, plain.
    const RunnerSpec plan_target = bind_placement(plan.target, plan, prof, ts.n_layers);
    // Best single PU: each PU's plain decoding on the warm-up prompt; the fastest becomes "baseline".
    std::unique_ptr<Runner> best;
    double best_us = 1e300;
    const int only = cfg.baseline_pu == "best" ? -1 : prof.pu_index(cfg.baseline_pu);
    if (cfg.baseline_pu != "best" && only < 0)
      throw Error("--baseline", "names PU '" + cfg.baseline_pu + "' that profile '" + prof.name + "' lacks");
    for (int i = 0; i < int(prof.pus.size()); ++i) {
      if (only >= 0 && i != only) continue;
      std::string eid;
      try {
        eid = engine_id(prof, i);
      } catch (const Error&) {
        continue;  // not runnable here
      }
      Plan single = plan;
      single.gamma = 0;
      single.target = ModelPlacement{};
      single.target.pu = single.target.head_pu = i;
      try {
        check_plan_runnable(single, prof);
      } catch (const Error&) {
        continue;
      }
      auto r = make(*target, bind_placement(single.target, single, prof, ts.n_layers));
      SpecOptions o = base_opt;
      o.gamma = 0;
      double us = 1e300;
      for (int w = 0; w < std::max(1, cfg.warmup); ++w) us = std::min(us, per_token(run_request(nullptr, *r, ids[0], o)));
      res.baseline_candidates.emplace_back(r->describe(), us);
      say("warm-up: plain decoding on " + r->describe() + ": " + std::to_string(int(us)) + " µs/token");
      if (us < best_us) {
        best_us = us;
        best = std::move(r);
      }
    }
    if (best) {
      Arm a;
      a.run.name = "baseline";
      a.target = std::move(best);
      a.run.placement = placement_text(nullptr, *a.target);
      arms.push_back(std::move(a));
    }
    Arm pt;
    pt.run.name = "plan-target";
    pt.target = make(*target, plan_target);
    pt.run.placement = placement_text(nullptr, *pt.target);
    const bool same_as_baseline = arms.size() > 1 && arms.back().run.placement == pt.run.placement;
    const bool plan_is_plain = !plan.speculative();
    if (!same_as_baseline && !plan_is_plain) arms.push_back(std::move(pt));
  }
  // Warm-up of the arms that were not warmed above.
  for (auto& a : arms)
    if (a.run.name != "baseline")
      for (int w = 0; w < cfg.warmup; ++w) run_request(a.draft.get(), *a.target, ids[0], opts_for(a.run));

  // Interleaved: prompt i runs the arms starting at arm (i mod arms).
  for (auto& a : arms) {
    a.run.requests.resize(ids.size());
    a.run.texts.resize(ids.size());
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    for (size_t j = 0; j < arms.size(); ++j) {
      Arm& a = arms[(i + j) % arms.size()];
      RequestTrace t = run_request(a.draft.get(), *a.target, ids[i], opts_for(a.run));
      t.prompt_id = cfg.prompts[i].id;
      char buf[200];
      std::snprintf(buf, sizeof buf, "[%zu/%zu] %-11s %s: %zu tokens, %.1f tokens/s", i + 1, ids.size(),
                    a.run.name.c_str(), t.prompt_id.c_str(), t.tokens.size(),
                    t.tokens.size() > 1 ? 1e6 / t.per_token_us() : 0.0);
      say(buf);
      a.run.texts[i] = tok.decode(t.tokens, false);
      a.run.requests[i] = std::move(t);
    }
  }
  for (auto& a : arms) res.arms.push_back(std::move(a.run));
  return res;
}

}  // namespace hetspec
