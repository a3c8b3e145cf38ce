// `hetspec predict`: one plan's predicted breakdown (and its speedup over the best plain decoding).
#include <iostream>

#include "hetspec/core/atomic_write.hpp"
#include "hetspec/core/bundled.hpp"
#include "hetspec/plan/sweep.hpp"
#include "hetspec/report/breakdown_writer.hpp"
#include "pair_args.hpp"
#include "registry.hpp"

namespace {
using namespace hetspec;

struct PredictArgs {
  cli::PairArgs pair;
  std::string plan, json;
};

int run(const PredictArgs& a) {
  cli::LoadedPair lp = cli::load_pair(a.pair);
  Plan plan = load_plan(resolve_bundled(a.plan, Bundled::Plan), lp.prof, lp.draft.n_layers, lp.target.n_layers);
  PlanTiming t = time_plan(plan, lp.draft, lp.target, lp.prof, lp.workload);
  Estimate e = finish(t, plan, lp.draft, lp.acc, lp.workload);
  const double base_us = cli::best_plain_us(lp, plan.target.dtype);  // plain decoding, same dtype, best single PU
  BreakdownContext ctx{&lp.prof, &lp.draft, &lp.target, &lp.acc, lp.workload};
  if (!a.json.empty()) write_file_atomic(a.json, breakdown_json(plan, t, e, base_us, ctx));
  std::cout << breakdown_text(plan, t, e, base_us, ctx);
  return e.feasible ? 0 : 1;
}

hetspec::cli::Registrar reg("predict", "Predict one plan's latency with a per-phase and per-PU breakdown",
                            [](CLI::App& app) {
                              auto a = std::make_shared<PredictArgs>();
                              cli::add_pair_options(app, a->pair);
                              app.add_option("--plan", a->plan, "plan file (hetspec.plan/1 YAML)")->required();
                              app.add_option("--json", a->json, "also write the breakdown as JSON to this file");
                              return std::function<int()>([a] { return run(*a); });
                            });
}  // namespace
