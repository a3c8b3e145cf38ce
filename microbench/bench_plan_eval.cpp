// Plan-evaluation throughput: how many plans per second the cost model prices (target: >= 1e6/s on
// one core), and how long a whole default sweep takes (target: < 1 s). Run:
//   ./build/bench_plan_eval --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <map>
#include <memory>

#include "hetspec/plan/sweep.hpp"

#ifndef HETSPEC_SOURCE_DIR
#define HETSPEC_SOURCE_DIR "."
#endif

using namespace hetspec;

namespace {
struct Setup {
  Profile prof;
  ModelSpec target, draft;
  std::vector<Plan> plans;
  Setup(const char* soc) {
    std::string root = HETSPEC_SOURCE_DIR;
    prof = load_profile(root + "/configs/socs/" + soc);
    target = load_model_spec(root + "/configs/models/llama-3.2-3b.yaml");
    draft = load_model_spec(root + "/configs/models/llama-3.2-1b.yaml");
    plans = enumerate_plans(prof, draft, target, PlanSpaceOptions{});
  }
};

void BM_PredictPlan(benchmark::State& state, const char* soc) {
  static std::map<std::string, std::unique_ptr<Setup>> cache;
  auto& s = cache[soc];
  if (!s) s = std::make_unique<Setup>(soc);
  Acceptance acc = Acceptance::scalar(0.7);
  Workload w;
  size_t i = 0;
  double sink = 0;
  for (auto _ : state) {
    Estimate e = predict(s->plans[i], s->draft, s->target, s->prof, acc, w);
    sink += e.per_token_us;
    if (++i == s->plans.size()) i = 0;
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations());
  state.counters["plans_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_DefaultSweep(benchmark::State& state, const char* soc) {
  Setup s(soc);
  Acceptance acc = Acceptance::scalar(0.7);
  for (auto _ : state) {
    SweepResult r = run_sweep(s.prof, s.draft, s.target, acc, Workload{}, PlanSpaceOptions{});
    benchmark::DoNotOptimize(r.ranked.data());
    state.counters["plans"] = static_cast<double>(r.evaluated);
  }
}
}  // namespace

BENCHMARK_CAPTURE(BM_PredictPlan, imx95, "nxp-imx95.yaml");
BENCHMARK_CAPTURE(BM_PredictPlan, rk3588, "rockchip-rk3588.yaml");
BENCHMARK_CAPTURE(BM_DefaultSweep, imx95, "nxp-imx95.yaml")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DefaultSweep, rk3588, "rockchip-rk3588.yaml")->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
