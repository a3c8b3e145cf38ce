// `hetspec bench-forward`: median time of one forward of m tokens at a context depth, per m, on one
// device plan, with tokens/s and T(m)/T(1) (llama-bench's `pp m`; the verify curve). Thin: the work is
// in bench/forward_curve.
#include <iostream>
#include <memory>

#include "hetspec/bench/forward_curve.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/core/utf8.hpp"
#include "hetspec/engine/cpu_model.hpp"
#include "registry.hpp"

namespace {
struct Args {
  std::string model, device = "cpu", ms = "1,2,4,8,16", logits = "all", cl_tuning;
  int threads = 1, reps = 5, depth = 64, warmup = 1, tg = 0, kernel_times = 0;
  double warmup_s = 0.25;
  bool json = false;
};

int run(const Args& a) {
  using namespace hetspec;
  bench::ForwardCurveOptions opt;
  opt.ms = bench::parse_m_list(a.ms);  // bad flags fail before the model loads
  opt.logits = bench::parse_logit_rows(a.logits);
  opt.device = a.device;
  opt.threads = a.threads;
  opt.reps = a.reps;
  opt.depth = a.depth;
  opt.warmup = a.warmup;
  opt.warmup_s = a.warmup_s;
  opt.tg = a.tg;
  opt.kernel_times = a.kernel_times;
  auto model = CpuModel::load(a.model, 1);  // weights only; the runner brings its own threads
  DeviceRegistry reg(a.cl_tuning);
  bench::ForwardCurve c = bench::bench_forward_curve(*model, opt, reg);
  if (a.json) std::cout << json_text(bench::forward_curve_json(c), 2) << "\n";
  else std::cout << bench::format_forward_curve(c);
  return 0;
}
}  // namespace

static hetspec::cli::Registrar reg(
    "bench-forward", "Time one forward of m tokens at a context depth, per m (llama-bench's pp m; the verify curve T(m)/T(1))",
    [](CLI::App& app) {
      auto a = std::make_shared<Args>();
      app.add_option("--model,-m", a->model, "GGUF model file")->required();
      app.add_option("--device,--pu", a->device, "where layers run: cpu, cl:0, or a split (as generate --device)")
          ->capture_default_str();
      app.add_option("--threads,-t", a->threads, "CPU threads")->check(CLI::Range(1, 1024))->capture_default_str();
      app.add_option("--m", a->ms, "token counts per forward: a comma list and/or ranges (1-17)")->capture_default_str();
      app.add_option("--reps", a->reps, "timed forwards per m (the median is printed)")
          ->check(CLI::Range(1, 100000))->capture_default_str();
      app.add_option("--warmup", a->warmup, "untimed forwards per m first")->check(CLI::Range(0, 1000))->capture_default_str();
      app.add_option("--warmup-s", a->warmup_s, "seconds of one-token forwards before timing (a GPU's clock ramps up)")
          ->check(CLI::Range(0.0, 60.0))->capture_default_str();
      app.add_option("--tg", a->tg, "also time N single-token forwards from the depth on (llama-bench's tg N)")
          ->check(CLI::Range(0, 1 << 20))->capture_default_str();
      app.add_option("--kernel-times", a->kernel_times,
                     "after the decode run, N one-token forwards with every OpenCL launch timed by its profiling "
                     "event: launches, GPU busy time and time per launch per step, by kernel")
          ->check(CLI::Range(0, 1 << 16))->capture_default_str();
      app.add_option("--depth", a->depth, "cached positions before the m tokens (prefilled once, untimed)")
          ->check(CLI::Range(0, 1 << 24))->capture_default_str();
      app.add_option("--logits", a->logits,
                     "logit rows computed: all (a verify pass) or last (llama-bench's prompt batch)")
          ->capture_default_str();
      app.add_option("--cl-tuning", a->cl_tuning, "OpenCL tuning override YAML (default: $HETSPEC_CL_TUNING)");
      app.add_flag("--json", a->json, "JSON output (schema hetspec.bench-forward/1)");
      return std::function<int()>([a] { return run(*a); });
    });
