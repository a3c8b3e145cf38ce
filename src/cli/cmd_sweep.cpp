// `hetspec sweep`: rank every plan for a SoC and a draft/target pair.
#include <algorithm>
#include <iostream>
#include <sstream>

#include "hetspec/core/atomic_write.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/plan/sweep.hpp"
#include "hetspec/report/sweep_writer.hpp"
#include "pair_args.hpp"
#include "registry.hpp"

namespace {
using namespace hetspec;

std::vector<DType> parse_dtypes(const std::string& s, const std::string& flag) {
  std::vector<DType> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    auto t = parse_dtype(item);
    if (!t) throw Error(flag, "unknown dtype '" + item + "'");
    if (std::find(out.begin(), out.end(), *t) == out.end()) out.push_back(*t);
  }
  return out;
}

struct SweepArgs {
  cli::PairArgs pair;
  std::string out, target_dtypes, draft_dtypes;
  int top = 20;
  int max_gamma = 16, split_step = 1;
  size_t max_plans = PlanSpaceOptions{}.max_plans;
  bool top_given = false;
  bool no_splits = false, no_overlap = false, show_infeasible = false;
};

int run(const SweepArgs& a) {
  cli::LoadedPair lp = cli::load_pair(a.pair);
  PlanSpaceOptions opt;
  if (a.max_gamma < 0 || a.max_gamma > 64) throw Error("--max-gamma", "must be in 0..64");
  if (a.top < 1) throw Error("--top", "must be >= 1");
  if (a.max_plans < 1) throw Error("--max-plans", "must be >= 1");
  if (a.split_step < 1) throw Error("--split-step", "must be >= 1");
  opt.max_gamma = a.max_gamma;
  opt.split_step = a.split_step;
  opt.splits = !a.no_splits;
  opt.overlapped = !a.no_overlap;
  opt.max_plans = a.max_plans;
  if (a.top_given) opt.keep_top = static_cast<size_t>(a.top);
  if (!a.target_dtypes.empty()) opt.target_dtypes = parse_dtypes(a.target_dtypes, "--target-dtypes");
  if (!a.draft_dtypes.empty()) opt.draft_dtypes = parse_dtypes(a.draft_dtypes, "--draft-dtypes");
  SweepResult r = run_sweep(lp.prof, lp.draft, lp.target, lp.acc, lp.workload, opt);
  SweepContext ctx{&lp.prof, &lp.draft, &lp.target, &lp.acc, lp.workload};
  std::string table = sweep_table(r, ctx, static_cast<size_t>(a.top));
  if (!a.out.empty()) {
    AtomicWriteSet files;
    files.add(a.out + "/sweep.json", sweep_json(r, ctx));
    files.add(a.out + "/sweep.csv", sweep_csv(r, ctx));
    files.add(a.out + "/sweep.txt", table);
    if (!r.ranked.empty()) files.add(a.out + "/best-plan.yaml", plan_to_yaml(r.ranked.front().plan, lp.prof));
    files.commit();
  }
  std::cout << table;
  if (a.show_infeasible || r.ranked.empty()) std::cout << "\n" << sweep_infeasible_table(r, ctx, 50);
  if (!a.out.empty())
    std::cout << "wrote " << a.out << "/{sweep.json,sweep.csv,sweep.txt" << (r.ranked.empty() ? "" : ",best-plan.yaml")
              << "}\n";
  if (r.ranked.empty()) {
    std::cerr << "hetspec: no feasible plan (reasons above)\n";
    return 1;
  }
  return 0;
}

hetspec::cli::Registrar reg("sweep", "Predict and rank every plan for a SoC and a draft/target model pair",
                            [](CLI::App& app) {
                              auto a = std::make_shared<SweepArgs>();
                              cli::add_pair_options(app, a->pair);
                              app.add_option("--out", a->out, "directory for sweep.json, sweep.csv, sweep.txt, best-plan.yaml");
                              auto* top = app.add_option("--top", a->top,
                                                         "rows of the ranked table to print; when given, also the only rows kept "
                                                         "while evaluating and written to sweep.json/csv (bounded memory)")
                                              ->capture_default_str();
                              app.add_option("--max-plans", a->max_plans, "refuse a plan space larger than this")
                                  ->capture_default_str();
                              app.add_option("--max-gamma", a->max_gamma, "largest draft length")->capture_default_str();
                              app.add_option("--split-step", a->split_step, "try target layer splits every N layers")
                                  ->capture_default_str();
                              app.add_flag("--no-splits", a->no_splits, "no target layer splits");
                              app.add_flag("--no-overlap", a->no_overlap, "no overlapped-drafting plans");
                              app.add_option("--target-dtypes", a->target_dtypes, "target weight dtypes to sweep (q4_0,q8_0)");
                              app.add_option("--draft-dtypes", a->draft_dtypes, "draft weight dtypes to sweep");
                              app.add_flag("--show-infeasible", a->show_infeasible, "list infeasible plans and why");
                              return std::function<int()>([a, top] {
                                a->top_given = top->count() > 0;
                                return run(*a);
                              });
                            });
}  // namespace
