// `hetspec profile`: measures this machine's PUs on the given models' shapes into a
// hetspec.profile/1 file (bench/profiler.hpp), shows one (--show), or checks how well one predicts
// whole forwards measured now (--check). Parses, calls the library, prints.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <iostream>
#include <memory>
#include <sstream>

#include "hetspec/bench/forward_check.hpp"
#include "hetspec/bench/llama_bench.hpp"
#include "hetspec/spec/llamacpp_loop.hpp"
#include "hetspec/core/atomic_write.hpp"
#include "hetspec/model/model_source.hpp"
#include "hetspec/plan/llamacpp_export.hpp"
#include "hetspec/profile/profile_compare.hpp"
#include "hetspec/profile/profile_holdout.hpp"
#include "hetspec/bench/profiler.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/report/profile_summary.hpp"
#include "registry.hpp"

namespace {
struct Args {
  std::string out, models, devices = "cpu", show, check, holdout, model_cache, engine = "hetspec", llama_bench, base, threads, device_map;
  std::vector<std::string> compare;
  bool quick = false, resume = false, devices_given = false;
  double budget = 0;
  int rounds = 0;
  std::vector<int> check_m, check_n, holdout_m = {1, 2, 4, 8, 16, 32, 64, 128};
  std::string command;
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string p;
  while (std::getline(ss, p, ','))
    if (!p.empty()) out.push_back(p);
  return out;
}

std::string clock_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%d:%02d", int(s) / 60, int(s) % 60);
  return buf;
}

// The text llama-speculative decodes while its loop is timed (any text: the fit uses each run's counts).
constexpr const char* kLoopPrompt =
    "Translate the following English sentence into German. Reply with the translation only.\n"
    "English: The museum opens at ten and closes early on Sundays.\nGerman:";

// --engine llama.cpp: the base profile's CPU with llama.cpp's whole forwards (bench/llama_bench.hpp),
// and, given a target and a draft, its speculative loop's own terms (spec/llamacpp_loop.hpp).
int run_llamacpp(const Args& a) {
  using namespace hetspec;
  if (a.llama_bench.empty()) throw Error("--llama-bench", "--engine llama.cpp needs the llama-bench binary (scripts/llamacpp.sh)");
  if (a.base.empty()) throw Error("--base", "--engine llama.cpp needs a hetspec profile of this machine (host costs, bandwidth)");
  if (a.out.empty()) throw Error("--out", "needed");
  const auto models = split(a.models);
  if (models.empty()) throw Error("--models", "--engine llama.cpp needs GGUF files");
  const Profile base = load_profile(a.base);
  std::vector<int> threads;
  for (const auto& t : split(a.threads)) {
    try {
      threads.push_back(std::stoi(t));
    } catch (...) {
      throw Error("--threads", "expected a comma list of thread counts, got '" + a.threads + "'");
    }
    if (threads.back() < 1 || threads.back() > 1024) throw Error("--threads", "thread counts must be in 1..1024");
  }
  if (threads.empty()) {
    const int cpu = base.pu_index("cpu");
    threads = cpu >= 0 && !base.pus[size_t(cpu)].thread_options.empty() ? base.pus[size_t(cpu)].thread_options
                                                                        : std::vector<int>{1};
  }
  const auto device_map = a.device_map.empty() ? std::map<std::string, std::string>{} : parse_device_map(a.device_map, "--device-map");
  for (const auto& [pu, dev] : device_map) llama_device_pu(base, pu);  // before anything runs
  ModelRuns runs;  // the CPU's, one per model (their specs serve the device runs and the loop too)
  // One llama-bench run of model i: the CPU at the thread counts, or (after the CPU's) every layer and
  // the head offloaded to `device` (-ngl n+1 -dev DEVICE) with the host's part at the largest thread count.
  auto bench = [&](size_t i, const std::string& device) {
    LlamaBenchRun r;
    r.exe = a.llama_bench;
    r.model = models[i];
    r.threads = threads;
    if (!device.empty()) r.threads = {*std::max_element(threads.begin(), threads.end())}, r.ngl = runs[i].first.n_layers + 1, r.device = device;
    if (a.quick) r.ms = {1, 2, 3, 4, 5, 8, 9}, r.reps = 2;
    else r.depths = {64, 256};
    std::fprintf(stderr, "llama-bench %s%s: m = 1..%d at depth %d.., threads %s\n", models[i].c_str(),
                 device.empty() ? "" : (" on " + device + ", -ngl " + std::to_string(r.ngl)).c_str(), r.ms.back(), r.depths[0],
                 a.threads.empty() ? "(the base's options)" : a.threads.c_str());
    auto pts = run_llama_bench(r);
    return std::make_pair(device.empty() ? load_spec_from(models[i]) : runs[i].first, std::move(pts));
  };
  for (size_t i = 0; i < models.size(); ++i) runs.push_back(bench(i, ""));
  std::vector<DeviceRuns> devices;
  for (const auto& [pu, dev] : device_map) {
    DeviceRuns d{pu, dev, {}};
    for (size_t i = 0; i < models.size(); ++i) d.runs.push_back(bench(i, dev));
    devices.push_back(d);
  }
  Profile p = llama_bench_profile(base, runs, a.llama_bench, devices);
  if (models.size() >= 2) {  // a target and a draft: time llama.cpp's speculative loop too (spec/llamacpp_loop.hpp)
    // llama-speculative and llama-completion beside llama-bench (scripts/llamacpp.sh builds all three).
    const auto slash = a.llama_bench.rfind('/');
    auto beside = [&](const char* tool) {
      const std::string exe = (slash == std::string::npos ? std::string(".") : a.llama_bench.substr(0, slash)) + "/" + tool;
      if (access(exe.c_str(), X_OK) != 0)
        throw Error("--llama-bench", std::string("with a target and a draft, llama.cpp's loop is timed with ") + tool +
                                         " beside llama-bench: no '" + exe + "' (scripts/llamacpp.sh builds it)");
      return exe;
    };
    LoopRun lr;
    lr.exe = beside("llama-speculative");
    LoopRun plain;
    plain.exe = beside("llama-completion");
    lr.target = plain.target = models[0];
    lr.draft = models[1];
    lr.threads = plain.threads = threads;
    lr.prompt = plain.prompt = kLoopPrompt;
    if (a.quick) lr.gammas = {1, 4}, lr.reps = plain.reps = 2;
    std::fprintf(stderr, "llama-speculative: the loop at gamma %s, threads %s\n", a.quick ? "1,4" : "1,2,4,8",
                 a.threads.empty() ? "(the base's options)" : a.threads.c_str());
    add_loop_terms(p, run_speculative_loop(lr), run_plain_loop(plain), runs[1].first, runs[0].first);
    // Each mapped device: both models offloaded there (their logits cross to the host every forward).
    for (const auto& d : devices) {
      lr.device = plain.device = d.device;
      lr.ngl = plain.ngl = runs[0].first.n_layers + 1;
      lr.ngld = runs[1].first.n_layers + 1;
      std::fprintf(stderr, "llama-speculative and llama-completion with both models on %s (%s)\n", d.device.c_str(), d.pu.c_str());
      add_loop_terms(p, run_speculative_loop(lr), run_plain_loop(plain), runs[1].first, runs[0].first, d.pu);
    }
    for (const auto& l : p.executor.loop)
      std::fprintf(stderr, "  %s t%d: %.0f us per iteration, %.0f us per drafted token (fit residual %.1f %%), %.0f us per plain token\n",
                   l.pu.c_str(), l.threads, l.iteration_us, l.drafted_us, 100 * l.residual_cv, l.plain_us);
  }
  write_file_atomic(a.out, profile_to_yaml(p));
  std::cout << "wrote " << a.out << " (llama.cpp forwards of " << models.size() << " models on the CPU"
            << (devices.empty() ? "" : " and " + std::to_string(devices.size()) + " device(s)")
            << (p.executor.loop.empty() ? "" : ", its speculative loop") << ")\n";
  return 0;
}

int run(const Args& a) {
  using namespace hetspec;
  if (!a.compare.empty()) {
    std::cout << format_comparison(compare_profiles(load_profile(a.compare[0]), load_profile(a.compare[1])), a.compare[0],
                                   a.compare[1]);
    return 0;
  }
  if (!a.show.empty()) {
    std::cout << profile_summary(load_profile(a.show));
    return 0;
  }
  if (!a.holdout.empty()) {
    std::cout << format_holdout(holdout_interpolation(load_profile(a.holdout), a.holdout_m), a.holdout_m);
    return 0;
  }
  if (!a.check.empty()) {
    Profile p = load_profile(a.check);
    bench::CheckOptions c;
    c.models = split(a.models);
    if (c.models.empty()) throw Error("--models", "--check needs the models to run (GGUF files or model YAML)");
    if (a.devices_given) c.devices = split(a.devices);
    c.model_cache = a.model_cache;
    c.opt.min_reps = 5;
    c.opt.max_reps = 9;
    c.opt.warmup = 1;
    if (!a.check_m.empty()) c.ms = a.check_m;
    if (!a.check_n.empty()) c.ns = a.check_n;
    std::cout << bench::format_check(bench::check_forward_model(p, c));
    return 0;
  }
  if (a.engine == "llama.cpp") return run_llamacpp(a);
  if (a.engine != "hetspec") throw Error("--engine", "expected hetspec or llama.cpp, got '" + a.engine + "'");
  if (!a.llama_bench.empty() || !a.base.empty() || !a.device_map.empty())
    throw Error(!a.llama_bench.empty() ? "--llama-bench" : !a.base.empty() ? "--base" : "--device-map", "only with --engine llama.cpp");
  bench::ProfileRequest r;
  r.out = a.out;
  r.models = split(a.models);
  r.devices = split(a.devices);
  r.quick = a.quick;
  r.budget_s = a.budget;
  r.resume = a.resume;
  r.rounds = a.rounds;
  r.command = a.command;
  r.model_cache = a.model_cache;
  const bool tty = isatty(2);
  Profile p = bench::run_profile(r, [&](const bench::Progress& pr) {
    std::fprintf(stderr, "%s[%d/%d] %-48s elapsed %s, ~%s left%s", tty ? "\r\033[K" : "", pr.index, pr.total,
                 pr.phase.c_str(), clock_text(pr.elapsed_s).c_str(), clock_text(pr.left_s).c_str(), tty ? "" : "\n");
    std::fflush(stderr);
  });
  if (tty) std::fprintf(stderr, "\n");
  std::cout << "wrote " << r.out << " (" << p.pus.size() << " PUs)\n";
  return 0;
}
}  // namespace

static hetspec::cli::Registrar reg(
    "profile", "Measure this machine's processors into a profile (or --show / --check one)", [](CLI::App& app) {
      auto a = std::make_shared<Args>();
      app.add_option("--out", a->out, "Profile to write (profiles/<name>.yaml)");
      app.add_option("--models", a->models, "Models whose shapes to measure: GGUF files or configs/models/*.yaml, comma separated");
      app.add_option("--devices", a->devices, "Engine devices: cpu,cl:0,... (cpu is always measured)")->capture_default_str();
      app.add_flag("--quick", a->quick, "Fewer points (about a minute)");
      app.add_option("--budget", a->budget, "Time budget in seconds (default 600, 60 with --quick)");
      app.add_option("--rounds", a->rounds, "Passes over the kernel grid, the median per point kept (default 3)");
      app.add_flag("--resume", a->resume, "Continue an interrupted run from <out>.partial");
      app.add_option("--show", a->show, "Print a summary of a profile and exit");
      app.add_option("--compare", a->compare, "Compare two profiles of one machine (run-to-run stability) and exit")
          ->expected(2);
      app.add_option("--holdout", a->holdout,
                     "Hide a profile's points at m not in --holdout-m (and each table's shape), predict them "
                     "from the rest as the cost model would, print the errors, and exit");
      app.add_option("--holdout-m", a->holdout_m, "with --holdout: the m kept (default 1,2,4,8,16,32,64,128)")
          ->delimiter(',')->check(CLI::Range(1, 1 << 20));
      app.add_option("--check", a->check, "Compare a profile's predicted forwards with forwards measured now");
      app.add_option("--check-m", a->check_m, "with --check: token counts m (default 1,2,4,8,16)")
          ->delimiter(',')
          ->check(CLI::Range(1, 512));
      app.add_option("--check-n", a->check_n, "with --check: contexts n (default 64,512)")
          ->delimiter(',')
          ->check(CLI::Range(0, 65536));
      app.add_option("--engine", a->engine, "whose kernels: hetspec (the engine's own) or llama.cpp (through llama-bench)")
          ->capture_default_str();
      app.add_option("--llama-bench", a->llama_bench, "with --engine llama.cpp: the llama-bench binary");
      app.add_option("--base", a->base, "with --engine llama.cpp: a hetspec profile of this machine (host costs, bandwidth)");
      app.add_option("--threads", a->threads, "with --engine llama.cpp: thread counts (default: the base profile's)");
      app.add_option("--device-map", a->device_map,
                     "with --engine llama.cpp: base PU -> llama.cpp device to profile offloaded, e.g. cl:0=CUDA0");
      app.add_option("--model-cache", a->model_cache, "Where random-weight GGUFs of YAML specs go (default: next to --out)");
      return std::function<int()>([a, &app] {
        std::string cmd = "hetspec profile";
        for (const auto& o : app.get_options())
          if (o->count() > 0 && o->get_name() != "--help") {
            cmd += " " + o->get_name();
            if (o->get_type_size() != 0 && !o->results().empty()) cmd += " " + o->results().front();
          }
        a->command = cmd;
        a->devices_given = app.get_option("--devices")->count() > 0;
        return run(*a);
      });
    });
