// `hetspec validate`: predicted vs measured over a grid of plans (spec/validate.hpp), written as a
// report (report/validation_report.hpp). Ctrl-C stops after the plan in flight and writes what is
// finished; --resume continues from the validation.json in --out. `hetspec report` rebuilds the report
// files from a validation.json without running anything.
#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

#include "hetspec/core/atomic_write.hpp"
#include "hetspec/core/bundled.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/cost/acceptance.hpp"
#include "hetspec/model/model_source.hpp"
#include "hetspec/plan/llamacpp_export.hpp"
#include "hetspec/report/calibration_report.hpp"
#include "hetspec/report/repeatability.hpp"
#include "hetspec/report/validation_report.hpp"
#include "hetspec/spec/llamacpp_validate.hpp"
#include "registry.hpp"

namespace {
using namespace hetspec;

std::atomic<bool> g_stop{false};
extern "C" void on_sigint(int) { g_stop = true; }

struct ValidateArgs {
  std::string profile, target, draft, prompts, out, accept_rate, plans = "grid", gammas = "0,1,2,3,4,6,8", pus;
  std::string accept_draw = "stratified";
  std::string engine = "hetspec", llama_bin, device_map, acceptance_from, plain_from;
  double tool_timeout = 600;
  int calibration = 8, held_out = 0, max_new = 32, threads = 0;
  bool resume = false, no_chat = false, quiet = false;
};

void write_report(const Validation& v, const std::string& out, const CalibrationComparison* cal = nullptr,
                  const Repeatability* rep = nullptr) {
  ValidationMetrics m = validation_metrics(v);
  AtomicWriteSet w;
  add_validation_report(w, v, out, cal, rep);
  w.commit();
  char buf[400];
  std::snprintf(buf, sizeof buf,
                "%d plans measured; speedup error median %.1f%%, max %.1f%%; per-token error median %.1f%%; Spearman %.3f; "
                "regret %.1f%%; largest phase gap: %s\n",
                m.plans, 100 * m.speedup.median_ape, 100 * m.speedup.max_ape, 100 * m.per_token.median_ape, m.spearman,
                100 * m.regret, m.worst_phase.c_str());
  std::cout << buf << "predicted best: " << m.predicted_best << "\nmeasured best:  " << m.measured_best << "\n";
  if (cal) std::cout << "calibration, " << calibration_summary(*cal);
  if (rep) {
    char b2[300];
    std::snprintf(b2, sizeof b2, "repeatability: %d plans in both runs; measured speedups differ by median %.1f%%, max %.1f%%\n",
                  rep->plans, 100 * rep->diff.median_ape, 100 * rep->diff.max_ape);
    std::cout << b2;
  }
  std::cout << "report: " << out << "/report.html (and index.md, plans.csv, validation.json)\n";
}

int run(const ValidateArgs& a) {
  ValidateConfig cfg;
  cfg.profile_path = resolve_bundled(a.profile, Bundled::Soc);
  cfg.profile = load_profile(cfg.profile_path);
  cfg.target_path = a.target;
  cfg.draft_arg = a.draft;
  cfg.prompts = load_prompts(resolve_bundled(a.prompts, Bundled::Prompts));
  if (!a.accept_rate.empty()) cfg.accept_rate = parse_alpha(a.accept_rate).alpha;
  cfg.accept_stratified = a.accept_draw == "stratified";
  cfg.plans = a.plans;
  cfg.gammas.clear();
  {
    std::stringstream ss(a.gammas);
    std::string item;
    while (std::getline(ss, item, ',')) {
      if (item.empty() || item.size() > 2 || item.find_first_not_of("0123456789") != std::string::npos)
        throw Error("--gammas", "expected a comma list of draft lengths 0..16, got '" + a.gammas + "'");
      cfg.gammas.push_back(std::stoi(item));
    }
  }
  cfg.calibration_prompts = a.calibration;
  cfg.held_out = a.held_out;
  cfg.max_new = a.max_new;
  cfg.threads = a.threads;
  {
    std::stringstream ss(a.pus);
    std::string item;
    while (std::getline(ss, item, ','))
      if (!item.empty()) cfg.pus.push_back(item);
  }
  cfg.chat = !a.no_chat;
  if (!a.quiet) cfg.progress = [](const std::string& s) { std::cerr << s << "\n"; };
  // Asked between plans. It also puts our SIGINT handler back: on the H200 machine a validate
  // interrupted after its GPU plans had started died at once with nothing written (2026-12-01), as if
  // a device library had put its own handler in place when the device opened.
  cfg.cancelled = [] {
    if (!g_stop) std::signal(SIGINT, on_sigint);
    return g_stop.load();
  };
  if (a.engine == "llama.cpp") {
    if (a.llama_bin.empty()) throw Error("--llama-bin", "--engine llama.cpp needs the directory of llama.cpp's tools (bash scripts/llamacpp.sh prints it)");
    cfg.llama_bin = a.llama_bin;
    cfg.device_map = parse_device_map(a.device_map, "--device-map");
    cfg.tool_timeout_s = a.tool_timeout;
    cfg.engine_acceptance = a.acceptance_from == "llama.cpp";
    cfg.plain_from_calibration = a.plain_from == "calibration";
  } else if (!a.llama_bin.empty() || !a.device_map.empty() || !a.acceptance_from.empty() || !a.plain_from.empty()) {
    throw Error(!a.llama_bin.empty()        ? "--llama-bin"
                : !a.device_map.empty()     ? "--device-map"
                : !a.acceptance_from.empty() ? "--acceptance-from"
                                            : "--plain-from",
                "only with --engine llama.cpp");
  }
  std::vector<PlanOutcome> done;
  const std::string prior = a.out + "/validation.json";
  if (a.resume && std::filesystem::exists(prior)) {
    Validation before = validation_from_json(read_file(prior), prior);
    done = before.plans;
    cfg.prior_acceptance_by_target = before.acceptance_by_target;  // measured once, kept by --resume
    cfg.prior_plain_terms = before.plain_terms;
  }
  std::signal(SIGINT, on_sigint);
  Validation v = a.engine == "llama.cpp" ? run_llamacpp_validation(cfg, done) : run_validation(cfg, done);
  std::signal(SIGINT, SIG_DFL);
  write_report(v, a.out);
  if (g_stop) std::cerr << "hetspec: interrupted: finished plans are in " << a.out << "; continue with --resume\n";
  return g_stop ? 130 : 0;
}

hetspec::cli::Registrar reg("validate", "Predict and run a grid of plans; report predicted vs measured speedup and errors",
                            [](CLI::App& app) {
  auto a = std::make_shared<ValidateArgs>();
  app.add_option("--profile", a->profile, "measured profile (hetspec profile) whose PUs are this machine's devices")->required();
  app.add_option("--target", a->target, "target GGUF model")->required();
  app.add_option("--draft", a->draft, "draft GGUF model or self:K")->required();
  app.add_option("--prompts", a->prompts, "prompt set (JSON lines)")->required();
  app.add_option("--out", a->out, "report directory")->required();
  app.add_option("--accept-rate", a->accept_rate, "timing mode: acceptance per position (no calibration split)");
  app.add_option("--accept-draw", a->accept_draw,
                 "timing mode: stratified (each position realises its rate to within 1/n) or random (independent draws)")
      ->check(CLI::IsMember({"stratified", "random"}))
      ->capture_default_str();
  app.add_option("--plans", a->plans, "grid, top:N (the N plans predicted fastest in the grid), or plan files (hetspec.plan/1, comma list)")->capture_default_str();
  app.add_option("--gammas", a->gammas, "draft lengths of the grid")->capture_default_str();
  app.add_option("--calibration", a->calibration, "prompts that measure acceptance (the rest are held out)")
      ->check(CLI::Range(1, 10000))->capture_default_str();
  app.add_option("--held-out", a->held_out, "use at most N held-out prompts (0 = all)")->check(CLI::Range(0, 100000));
  app.add_option("--max-new", a->max_new, "tokens per request")->check(CLI::Range(1, 4096))->capture_default_str();
  app.add_option("--threads", a->threads, "CPU threads of the plans (default: all cores)")->check(CLI::Range(0, 1024));
  app.add_option("--pus", a->pus, "the grid's PUs, e.g. cpu,cl:1 (default: every PU of the profile that runs here)");
  app.add_option("--engine", a->engine, "who runs the plans: hetspec (its own executor) or llama.cpp (llama-speculative / "
                                        "llama-completion with the exported flags; --profile from hetspec profile --engine llama.cpp)")
      ->check(CLI::IsMember({"hetspec", "llama.cpp"}))
      ->capture_default_str();
  app.add_option("--llama-bin", a->llama_bin, "with --engine llama.cpp: the directory of llama-speculative and llama-completion");
  app.add_option("--device-map", a->device_map, "with --engine llama.cpp: PU -> llama.cpp device, e.g. cl:0=CUDA0");
  app.add_option("--acceptance-from", a->acceptance_from,
                 "with --engine llama.cpp: who measures acceptance on the calibration prompts: hetspec (default: its own "
                 "executor, per position at the largest γ, positions >= 2 pooled) or llama.cpp (its loop at every γ of "
                 "the grid, per target placement)")
      ->check(CLI::IsMember({"llama.cpp", "hetspec"}));
  app.add_option("--plain-from", a->plain_from,
                 "with --engine llama.cpp: plain decoding's per-token loop term from the profile (default: the llama.cpp "
                 "profile's) or calibration (re-fitted on the calibration prompts, run as the baseline arm runs)")
      ->check(CLI::IsMember({"calibration", "profile"}));
  app.add_option("--tool-timeout", a->tool_timeout, "with --engine llama.cpp: seconds one tool run may take")
      ->check(CLI::Range(1.0, 86400.0))
      ->capture_default_str();
  app.add_flag("--resume", a->resume, "keep the plans already measured in --out/validation.json");
  app.add_flag("--no-chat", a->no_chat, "no chat template");
  app.add_flag("--quiet,-q", a->quiet, "no progress lines");
  return std::function<int()>([a] { return run(*a); });
});

struct ReportArgs {
  std::string in, out, profile, target, draft, again;
};

hetspec::cli::Registrar reg_report("report", "Rebuild a validation report from its validation.json (runs nothing)",
                                   [](CLI::App& app) {
  auto a = std::make_shared<ReportArgs>();
  app.add_option("input", a->in, "validation.json, or the directory holding it")->required();
  app.add_option("--out", a->out, "report directory")->required();
  app.add_option("--repredict", a->profile,
                 "predict every plan again with this profile (and today's cost model); a calibrated profile also "
                 "shows the error before and after calibration on the plans it held out");
  app.add_option("--target", a->target, "with --repredict: the target (GGUF or model YAML)");
  app.add_option("--draft", a->draft, "with --repredict: the draft (GGUF, model YAML or self:K)");
  app.add_option("--second-run", a->again,
                 "a second run of the same validation (its validation.json or directory): adds how far the two runs' "
                 "measured speedups differ, the noise floor");
  return std::function<int()>([a] {
    std::string f = std::filesystem::is_directory(a->in) ? a->in + "/validation.json" : a->in;
    const std::string text = read_file(f);
    Validation v = validation_from_json(text, f);
    std::optional<CalibrationComparison> cal;
    if (!a->profile.empty()) {
      if (a->target.empty() || a->draft.empty()) throw Error("--repredict", "needs --target and --draft");
      const ModelSpec t = load_spec_from(a->target);
      const ModelSpec d = load_draft_spec_from(a->draft, t);
      const Profile prof = load_profile(a->profile);
      // A calibrated profile: error before and after calibration on the plans it held out.
      Validation after;
      cal = compare_calibration(v, prof, a->profile, d, t, &after);
      if (cal) v = after;
      else repredict(v, prof, a->profile, d, t);
    } else {
      cal = calibration_in_json(text, f);  // a rebuilt calibrated report keeps its section
    }
    Repeatability rep;
    bool have_rep = false;
    if (!a->again.empty()) {
      const std::string g = std::filesystem::is_directory(a->again) ? a->again + "/validation.json" : a->again;
      rep = repeatability(v, validation_from_json(read_file(g), g), g);
      have_rep = true;
    } else {
      have_rep = repeatability_in_json(text, rep);  // a rebuilt report keeps its section
    }
    write_report(v, a->out, cal ? &*cal : nullptr, have_rep ? &rep : nullptr);
    return 0;
  });
});

}  // namespace
