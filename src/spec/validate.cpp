#include "hetspec/spec/validate.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <sstream>

#include "hetspec/core/error.hpp"
#include "hetspec/engine/cpu_model.hpp"
#include "hetspec/plan/plan_space.hpp"
#include "hetspec/model/model_source.hpp"
#include "hetspec/model/tokenizer_gguf.hpp"
#include "hetspec/plan/sweep.hpp"
#include "hetspec/spec/plan_binding.hpp"
#include "hetspec/spec/run_report.hpp"

namespace hetspec {

namespace {

ModelPlacement on(int pu, DType dt) {
  ModelPlacement p;
  p.pu = p.head_pu = pu;
  p.dtype = dt;
  return p;
}

// The experiment every validation step runs: these models and prompts, the shared device registry.
ExperimentConfig experiment_for(const ValidateConfig& cfg, const Profile& prof, const std::vector<PromptItem>& prompts,
                                DeviceRegistry& registry) {
  ExperimentConfig ec;
  ec.target_path = cfg.target_path;
  ec.draft_arg = cfg.draft_arg;
  ec.profile = prof;
  ec.prompts = prompts;
  ec.opt.max_new = cfg.max_new;
  ec.opt.accept_rate = cfg.accept_rate;
  ec.opt.accept_stratified = cfg.accept_stratified;
  ec.chat = cfg.chat;
  ec.registry = &registry;
  return ec;
}

}  // namespace

const char* const kPooledNote = ", positions >= 2 pooled";

std::vector<double> acceptance_from_counts(const std::vector<PositionAcceptance>& measured) {
  std::vector<AcceptCount> counts;
  for (const auto& p : measured) counts.push_back({p.accepted, p.reached});
  return pooled_acceptance(counts);
}

std::string target_key(const Plan& p, const Profile& prof, int target_layers) {
  return describe_placement(p.target, prof, target_layers) + " head=" + prof.pus[size_t(p.target.head_pu)].id;
}

const Acceptance& acceptance_for(const Validation& v, const Plan& p, const Profile& prof, int target_layers) {
  if (v.acceptance_by_target.empty() || p.target.head_pu < 0 || p.target.head_pu >= int(prof.pus.size())) return v.acceptance;
  auto it = v.acceptance_by_target.find(target_key(p, prof, target_layers));
  return it == v.acceptance_by_target.end() ? v.acceptance : it->second;
}

std::vector<Plan> validation_grid(const Profile& prof, const ModelSpec& draft, const ModelSpec& target,
                                  const std::vector<int>& gammas, int threads, const std::vector<std::string>& only) {
  for (const auto& id : only)
    if (prof.pu_index(id) < 0) throw Error("--pus", "names PU '" + id + "' that profile '" + prof.name + "' lacks");
  std::vector<int> pus;
  for (int i = 0; i < int(prof.pus.size()); ++i) {
    if (!only.empty() && std::find(only.begin(), only.end(), prof.pus[size_t(i)].id) == only.end()) continue;
    try {
      engine_id(prof, i);
      pus.push_back(i);
    } catch (const Error&) {
    }
  }
  if (pus.empty()) engine_id(prof, 0);  // throws: why the first PU cannot run
  check(!pus.empty(), prof.name, "no PU of this profile can run here");
  Plan base;
  base.threads.assign(prof.pus.size(), 1);
  for (size_t i = 0; i < prof.pus.size(); ++i)
    if (prof.pus[i].kind == PuKind::CPU) base.threads[i] = threads > 0 ? std::min(threads, prof.pus[i].cores) : prof.pus[i].cores;
  std::vector<ModelPlacement> targets;
  for (int p : pus) targets.push_back(on(p, target.weight_dtype));
  if (pus.size() >= 2 && target.n_layers >= 2) {  // a split at the middle, head on the second PU
    ModelPlacement s = on(pus[0], target.weight_dtype);
    s.split_pu = s.head_pu = pus[1];
    s.split = target.n_layers / 2;
    targets.push_back(s);
  }
  // The engine runs a feature-reading (eagle) draft, and the target that hands it features, on the CPU.
  auto on_cpu = [&prof](const ModelPlacement& pl) {
    for (int i = 0; i < int(prof.pus.size()); ++i)
      if ((pu_mask(pl) >> i & 1u) && engine_id(prof, i) != "cpu") return false;
    return true;
  };
  std::vector<Plan> out;
  for (const auto& t : targets) {
    for (int g : gammas) {
      if (g == 0) {
        Plan p = base;
        p.target = t;
        out.push_back(p);
        continue;
      }
      for (int d : pus) {
        const ModelPlacement dp = on(d, draft.weight_dtype);
        if (draft.reads_features && !(on_cpu(dp) && on_cpu(t))) continue;
        Plan p = base;
        p.target = t;
        p.draft = dp;
        p.gamma = g;
        p.mode = Mode::Sequential;
        // Sequential everywhere the draft can run; overlapped when the draft's PU is not the target's
        // (leaving the host thread of a GPU side a core where the profile says how: leaves_core).
        out.push_back(p);
        if (!(pu_mask(dp) & pu_mask(t))) {
          p.mode = Mode::Overlapped;
          for (size_t i = 0; i < prof.pus.size(); ++i)
            if (leaves_core(p, prof, int(i)) && p.threads[i] == prof.pus[i].cores) p.threads[i] = prof.pus[i].cores - 1;
          out.push_back(p);
        }
      }
    }
  }
  return out;
}

std::string progress_eta(std::chrono::steady_clock::time_point t0, int done, int total) {
  auto mmss = [](double s) {
    char b[32];
    std::snprintf(b, sizeof b, "%d:%02d", int(s) / 60, int(s) % 60);
    return std::string(b);
  };
  const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::string s = "  (" + std::to_string(done) + " of " + std::to_string(total) + " done, " + mmss(el) + " elapsed";
  if (done > 0) s += ", ~" + mmss(el / done * (total - done)) + " left";
  return s + ")";
}

ValidationStart begin_validation(const ValidateConfig& cfg, Validation& v) {
  const Profile& prof = cfg.profile;
  ValidationStart st;
  v.profile_name = prof.name;
  v.profile_path = cfg.profile_path;
  v.host = host_description();
  v.target = cfg.target_path;
  v.draft = cfg.draft_arg;
  v.timing_mode = !cfg.accept_rate.empty();
  {
    std::time_t t = std::time(nullptr);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    v.date = buf;
  }
  st.target = load_spec_from(cfg.target_path);
  st.draft = load_draft_spec_from(cfg.draft_arg, st.target);
  check_draft_target_pair(st.draft, cfg.draft_arg, st.target, cfg.target_path);
  check(!cfg.gammas.empty() && *std::max_element(cfg.gammas.begin(), cfg.gammas.end()) <= 16, "--gammas", "need γ values in 0..16");
  return st;
}

void split_prompts(const ValidateConfig& cfg, ValidationStart& st, Validation& v) {
  // Split the prompts: calibration (acceptance) and held-out (every plan).
  const size_t nc = v.timing_mode ? 0 : size_t(std::max(1, cfg.calibration_prompts));
  for (size_t i = 0; i < cfg.prompts.size(); ++i) (i < nc ? st.calib : st.held).push_back(cfg.prompts[i]);
  if (cfg.held_out > 0 && st.held.size() > size_t(cfg.held_out)) st.held.resize(size_t(cfg.held_out));
  check(!st.held.empty(), "--prompts", "no prompts left for the held-out split (" + std::to_string(cfg.prompts.size()) +
                                           " prompts, " + std::to_string(nc) + " for calibration)");
  // The request shape of the held-out prompts.
  auto f = GgufFile::open(cfg.target_path);
  Tokenizer tok = tokenizer_from_gguf(f);
  auto ids = encode_prompts(tok, st.held, cfg.chat, cfg.target_path + ": tokenizer.chat_template");
  double sum = 0;
  for (const auto& t : ids) sum += double(t.size());
  v.workload.prompt_tokens = std::max(1, int(sum / double(ids.size()) + 0.5));
  v.workload.gen_tokens = cfg.max_new;
  v.workload.greedy = true;  // validate verifies greedily
}

void measure_acceptance(const ValidateConfig& cfg, const ValidationStart& st, const std::vector<int>& threads,
                        DeviceRegistry& registry, Validation& v) {
  if (v.timing_mode) {
    v.acceptance.alpha = cfg.accept_rate;
    v.acceptance.source = "--accept-rate";
    return;
  }
  const Profile& prof = cfg.profile;
  const int gmax = *std::max_element(cfg.gammas.begin(), cfg.gammas.end());
  const int host_pu = prof.pu_index("cpu") >= 0 ? prof.pu_index("cpu") : 0;
  if (cfg.progress)
    cfg.progress("calibration: measuring acceptance on " + std::to_string(st.calib.size()) + " prompts, γ = " +
                 std::to_string(std::max(1, gmax)));
  ExperimentConfig ec = experiment_for(cfg, prof, st.calib, registry);
  ec.plan.threads = threads;
  ec.plan.target = on(host_pu, st.target.weight_dtype);
  ec.plan.draft = on(host_pu, st.draft.weight_dtype);
  ec.plan.gamma = std::max(1, gmax);
  ec.warmup = 0;
  ec.baselines = false;
  ExperimentResult r = run_experiment(ec);
  ArmSummary a = summarize_arm("calibration", r.arms[0].placement, ec.plan.gamma, "sequential", r.arms[0].requests);
  v.acceptance_measured = a.acceptance;
  v.acceptance_per_prompt.clear();
  for (const auto& t : r.arms[0].requests) v.acceptance_per_prompt.push_back(prompt_acceptance_counts(t, ec.plan.gamma));
  v.acceptance.alpha = acceptance_from_counts(a.acceptance);
  check(!v.acceptance.alpha.empty(), "--calibration", "the calibration prompts drafted no token: nothing to measure acceptance on");
  v.acceptance.source = "measured on " + std::to_string(st.calib.size()) + " calibration prompts" + kPooledNote;
  // The request shape: generated tokens as the calibration requests produced them (EOS stops early).
  double gen = 0;
  for (const auto& t : r.arms[0].requests) gen += double(t.tokens.size());
  v.workload.gen_tokens = std::max(1, int(gen / double(r.arms[0].requests.size()) + 0.5));
}

std::vector<PlanOutcome> predict_plans(const ValidateConfig& cfg, const std::vector<Plan>& grid, const ValidationStart& st,
                                       Validation& v) {
  const Profile& prof = cfg.profile;
  const ModelSpec &draft = st.draft, &target = st.target;
  // Predictions: every plan, and the best single-PU plain decoding as the baseline.
  double base_us = 1e300;
  for (const auto& p : grid)
    if (p.gamma == 0 && !p.target.is_split()) {
      Estimate e = predict(p, draft, target, prof, v.acceptance, v.workload);
      if (e.feasible) base_us = std::min(base_us, e.per_token_us);
    }
  std::vector<PlanOutcome> outs;
  std::vector<Plan> chosen = grid;
  if (cfg.plans.rfind("top:", 0) == 0) {
    int n = 0;
    try {
      n = std::stoi(cfg.plans.substr(4));
    } catch (...) {
    }
    check(n >= 1 && n <= 1000, "--plans", "top:N needs N in 1..1000");
    std::vector<std::pair<double, Plan>> ranked;
    for (const auto& p : grid) {
      Estimate e = predict(p, draft, target, prof, acceptance_for(v, p, prof, target.n_layers), v.workload);
      if (e.feasible) ranked.emplace_back(e.per_token_us, p);
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](auto& a, auto& b) { return a.first < b.first; });
    chosen.clear();
    for (auto& [us, p] : ranked)
      if (int(chosen.size()) < n) chosen.push_back(p);
  } else if (cfg.plans != "grid") {
    // Plan files (hetspec.plan/1, e.g. a sweep's best-plan.yaml), comma-separated; γ is the file's own.
    chosen.clear();
    std::stringstream ss(cfg.plans);
    for (std::string path; std::getline(ss, path, ',');) {
      check(!path.empty() && std::filesystem::exists(path), "--plans",
            "expected grid, top:N or plan files (hetspec.plan/1), got '" + cfg.plans + "'");
      Plan p = load_plan(path, prof, draft.n_layers, target.n_layers);
      if (cfg.threads > 0)
        for (size_t j = 0; j < prof.pus.size() && j < p.threads.size(); ++j)
          if (prof.pus[j].kind == PuKind::CPU) p.threads[j] = cfg.threads;
      chosen.push_back(p);
    }
  }
  for (size_t i = 0; i < chosen.size(); ++i) {
    PlanOutcome o;
    char id[16];
    std::snprintf(id, sizeof id, "p%02zu", i + 1);
    o.id = id;
    o.plan = chosen[i];
    o.description = describe_plan(o.plan, prof, draft.n_layers, target.n_layers);
    o.predicted = predict(o.plan, draft, target, prof, acceptance_for(v, o.plan, prof, target.n_layers), v.workload);
    o.predicted_baseline_us = base_us;
    if (o.predicted.feasible && o.predicted.per_token_us > 0) o.predicted.speedup = base_us / o.predicted.per_token_us;
    outs.push_back(o);
  }
  {  // break-even α of the grid (predicted)
    std::vector<Plan> spec_plans;
    std::vector<PlanTiming> timings;
    for (const auto& p : chosen) {
      spec_plans.push_back(p);
      timings.push_back(time_plan(p, draft, target, prof, v.workload));
    }
    v.break_even_alpha = break_even_alpha(spec_plans, timings, draft, v.workload, {{target.weight_dtype, base_us}});
  }
  add_prediction_bands(outs, v, prof, draft, target, v.workload);
  return outs;
}

std::string predicted_speedup_text(const PlanOutcome& o) {
  char buf[96];
  if (o.plan.gamma > 0 && std::isfinite(o.predicted_band.lo) && std::isfinite(o.predicted_band.hi))
    std::snprintf(buf, sizeof buf, "predicted %.3fx [band %.3f, %.3f]", o.predicted.speedup, o.predicted_band.lo,
                  o.predicted_band.hi);
  else
    std::snprintf(buf, sizeof buf, "predicted %.3fx", o.predicted.speedup);
  return buf;
}

void add_prediction_bands(std::vector<PlanOutcome>& plans, const Validation& v, const Profile& prof, const ModelSpec& draft,
                          const ModelSpec& target, const Workload& w) {
  const std::vector<std::vector<double>> samples = resampled_acceptance(v.acceptance_per_prompt);
  for (auto& o : plans) {
    o.predicted_band = {NAN, NAN};
    if (samples.empty() || !o.predicted.feasible || o.predicted_baseline_us <= 0) continue;
    if (o.plan.gamma == 0) {  // plain decoding does not depend on acceptance
      o.predicted_band = {o.predicted.speedup, o.predicted.speedup};
      continue;
    }
    if (&acceptance_for(v, o.plan, prof, target.n_layers) != &v.acceptance) continue;  // the engine's own counts
    Acceptance a = v.acceptance;
    std::vector<double> speedups;
    for (const auto& alpha : samples) {
      a.alpha = alpha;
      const Estimate e = predict(o.plan, draft, target, prof, a, w);
      if (e.feasible && e.per_token_us > 0) speedups.push_back(o.predicted_baseline_us / e.per_token_us);
    }
    o.predicted_band = percentile_band(speedups);
  }
}

void keep_measured(std::vector<PlanOutcome>& outs, const std::vector<PlanOutcome>& done) {
  for (auto& o : outs)
    for (const auto& d : done)
      if (d.measured && d.id == o.id && d.description == o.description) {
        o = d;
        break;
      }
}

Validation run_validation(const ValidateConfig& cfg, const std::vector<PlanOutcome>& done) {
  const Profile& prof = cfg.profile;
  Validation v;
  auto say = [&](const std::string& s) {
    if (cfg.progress) cfg.progress(s);
  };
  ValidationStart st = begin_validation(cfg, v);
  std::vector<Plan> grid = validation_grid(prof, st.draft, st.target, cfg.gammas, cfg.threads, cfg.pus);
  split_prompts(cfg, st, v);
  DeviceRegistry registry;  // one per validation: OpenCL programs compile once for all plans
  measure_acceptance(cfg, st, grid.front().threads, registry, v);
  std::vector<PlanOutcome> outs = predict_plans(cfg, grid, st, v);
  const std::vector<PromptItem>& held = st.held;

  // Measurements: each plan on the held-out prompts, plain decoding on the best single PU interleaved.
  std::string baseline_pu = "best";
  keep_measured(outs, done);  // --resume: plans measured before keep their measurement
  const auto t_start = std::chrono::steady_clock::now();
  int n_run = 0;  // plans measured in this call, of n_todo
  const int n_todo = int(std::count_if(outs.begin(), outs.end(), [](const PlanOutcome& o) { return !o.measured && o.predicted.feasible; }));
  for (auto& o : outs) {
    if (o.measured) continue;
    if (cfg.cancelled && cfg.cancelled()) break;
    if (!o.predicted.feasible) continue;
    say("[" + o.id + "/" + std::to_string(outs.size()) + "] " + o.description + progress_eta(t_start, n_run, n_todo));
    ExperimentConfig ec = experiment_for(cfg, prof, held, registry);
    ec.plan = o.plan;
    ec.warmup = 1;
    ec.baseline_pu = baseline_pu;
    ExperimentResult r = run_experiment(ec);
    RunReport rep = make_run_report(r, ec.opt);
    o.plan_arm = rep.arms[0];
    for (const auto& a : rep.arms)
      if (a.name == "baseline") o.baseline_arm = a;
    o.speedup = rep.speedup;
    o.measured = true;
    ++n_run;
    if (baseline_pu == "best" && !r.baseline_candidates.empty()) {  // fix the measured-best PU for the rest
      double best = 1e300;
      for (const auto& [desc, us] : r.baseline_candidates)
        if (us < best) {
          best = us;
          baseline_pu = desc.substr(0, desc.find('['));
        }
      if (prof.pu_index(baseline_pu) < 0) baseline_pu = "best";
    }
    char buf[200];
    std::snprintf(buf, sizeof buf, ", measured %.3fx [%.3f, %.3f]", o.speedup.value, o.speedup.lo, o.speedup.hi);
    say("      " + predicted_speedup_text(o) + buf);
  }
  v.plans = outs;
  return v;
}

void repredict(Validation& v, const Profile& given, const std::string& profile_path, const ModelSpec& draft,
               const ModelSpec& target) {
  const Profile prof = with_plain_terms(given, v.plain_terms);  // llama.cpp: plain terms fitted on the calibration prompts
  // An acceptance measured on the calibration split is estimated again from its counts, so a stored
  // validation re-predicts with the current estimator (pooled_acceptance) as a new one would.
  if (!v.timing_mode && v.acceptance.source.rfind("measured on ", 0) == 0) {
    std::vector<double> a = acceptance_from_counts(v.acceptance_measured);
    if (!a.empty()) {
      v.acceptance.alpha = a;
      if (v.acceptance.source.find(kPooledNote) == std::string::npos) v.acceptance.source += kPooledNote;
    }
  }
  Workload w = v.workload;
  w.greedy = true;  // validate verifies greedily, timing mode included (argmax corrections and bonus tokens)
  // The baseline, as validate chose it: the best plain decoding on one PU, at every thread setting the
  // plans use (a llama.cpp grid spans thread counts).
  std::vector<std::vector<int>> settings;
  for (const auto& o : v.plans)
    if (o.plan.threads.size() == prof.pus.size() &&
        std::find(settings.begin(), settings.end(), o.plan.threads) == settings.end())
      settings.push_back(o.plan.threads);
  if (settings.empty()) {
    std::vector<int> t(prof.pus.size(), 1);
    for (size_t j = 0; j < prof.pus.size(); ++j)
      if (prof.pus[j].kind == PuKind::CPU) t[j] = prof.pus[j].cores;
    settings.push_back(t);
  }
  double base_us = 1e300;
  for (const auto& threads : settings)
    for (int i = 0; i < int(prof.pus.size()); ++i) {
      Plan p;
      p.threads = threads;
      p.target.pu = p.target.head_pu = i;
      p.target.dtype = target.weight_dtype;
      Estimate e = predict(p, draft, target, prof, v.acceptance, w);
      if (e.feasible) base_us = std::min(base_us, e.per_token_us);
    }
  for (auto& o : v.plans) {
    for (int pu : {o.plan.target.pu, o.plan.target.split_pu, o.plan.target.head_pu, o.plan.draft.pu, o.plan.draft.head_pu})
      check(pu < int(prof.pus.size()), profile_path, "has fewer PUs than the validation's plans use");
    o.predicted = predict(o.plan, draft, target, prof, acceptance_for(v, o.plan, prof, target.n_layers), w);
    o.predicted_baseline_us = base_us;
    if (o.predicted.feasible && o.predicted.per_token_us > 0) o.predicted.speedup = base_us / o.predicted.per_token_us;
  }
  add_prediction_bands(v.plans, v, prof, draft, target, w);
  v.profile_name = prof.name + " (re-predicted)";
  v.profile_path = profile_path;
}

}  // namespace hetspec
