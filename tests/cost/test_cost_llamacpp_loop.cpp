// The cost model under llama.cpp's executor (profile `executor:`): γ + 1 one-token draft forwards per
// iteration and no catch-up, the loop terms at the plan's CPU thread count added to the host phase,
// overlapped plans infeasible; and the loop-term fit recovers known terms from llama-speculative runs.
#include <catch2/catch.hpp>
#include <cmath>

#include "hetspec/core/error.hpp"
#include "hetspec/cost/spec_cost.hpp"
#include "hetspec/spec/llamacpp_loop.hpp"
#include "support/paths.hpp"

using namespace hetspec;
using hetspec::test::source_path;

namespace {
ModelSpec model(const char* name) { return load_model_spec(source_path(std::string("configs/models/") + name)); }

Plan plan_on(const Profile& p, const char* draft_pu, const char* target_pu, int gamma, int cpu_threads,
             Mode mode = Mode::Sequential) {
  Plan plan;
  plan.gamma = gamma;
  plan.mode = mode;
  plan.target.pu = plan.target.head_pu = p.pu_index(target_pu);
  plan.target.dtype = DType::Q4_0;
  if (gamma > 0) {
    plan.draft.pu = plan.draft.head_pu = p.pu_index(draft_pu);
    plan.draft.dtype = DType::Q4_0;
  }
  plan.threads.assign(p.pus.size(), 1);
  plan.threads[size_t(p.pu_index("cpu"))] = cpu_threads;
  return plan;
}
}  // namespace

TEST_CASE("llama.cpp's loop: gamma + 1 draft forwards, no catch-up, its loop terms in the host phase", "[cost][llamacpp]") {
  const Profile hs = load_profile(source_path("tests/fixtures/toy-soc.yaml"));
  Profile lc = hs;
  lc.executor.engine = "llama.cpp";
  lc.executor.loop = {{4, 300, 25, 6, 0.01}};
  const ModelSpec t = model("llama-3.2-3b.yaml"), d = model("llama-3.2-1b.yaml");
  Workload w;
  const int g = 4;
  const double a = 0.7;
  const Plan plan = plan_on(lc, "gpu", "cpu", g, 4);
  const PlanTiming th = time_plan(plan, d, t, hs, w), tl = time_plan(plan, d, t, lc, w);
  REQUIRE(tl.feasible);
  CHECK_FALSE(th.redecode);
  CHECK(tl.redecode);
  CHECK(tl.draft_forwards(g) == g + 1);
  CHECK(tl.loop_iter_us == Approx(300));
  CHECK(tl.loop_drafted_us == Approx(25));
  const Estimate eh = finish(th, plan, d, Acceptance::scalar(a), w), el = finish(tl, plan, d, Acceptance::scalar(a), w);
  CHECK(el.phases.catchup == 0);
  CHECK(eh.phases.catchup > 0);
  CHECK(el.phases.draft == Approx(double(g + 1) / g * eh.phases.draft));
  CHECK(el.phases.host - eh.phases.host == Approx(300 + g * 25));
  CHECK(el.phases.verify == Approx(eh.phases.verify));
  const double expect = eh.iter_us - eh.phases.catchup + eh.phases.draft / g + 300 + g * 25;
  CHECK(el.iter_us == Approx(expect));
  CHECK(el.tokens_per_iter == Approx(eh.tokens_per_iter));  // acceptance is the executor's business, not its loop's

  // No terms at this thread count: the forwards still follow llama.cpp's loop, nothing is added.
  const PlanTiming t2 = time_plan(plan_on(lc, "gpu", "cpu", g, 2), d, t, lc, w);
  CHECK(t2.redecode);
  CHECK(t2.loop_iter_us == 0);
  // Plain decoding is the same under either executor.
  const Plan plain = plan_on(lc, "gpu", "cpu", 0, 4);
  CHECK(predict(plain, d, t, lc, Acceptance::scalar(a), w).per_token_us ==
        Approx(predict(plain, d, t, hs, Acceptance::scalar(a), w).per_token_us));
  // llama-speculative drafts and verifies in turn: an overlapped plan is not one it can run.
  const Estimate ov = predict(plan_on(lc, "gpu", "cpu", g, 4, Mode::Overlapped), d, t, lc, Acceptance::scalar(a), w);
  CHECK_FALSE(ov.feasible);
  CHECK(ov.reason.find("llama.cpp drafts and verifies in sequence") != std::string::npos);
}

TEST_CASE("loop terms: the fit recovers known per-iteration and per-drafted-token costs", "[cost][llamacpp]") {
  const Profile prof = load_profile(source_path("tests/fixtures/roofline-cpu-pocl.yaml"));
  const ModelSpec t = model("smollm2-360m.yaml"), d = model("smollm2-135m.yaml");
  // Runs as llama-speculative reports them: 64 tokens at γ 1, 2, 4 and two thread counts.
  std::vector<LoopSample> base;
  for (int th : {1, 2})
    for (int g : {1, 2, 4})
      for (int rep = 0; rep < 2; ++rep) {
        LoopSample s;
        s.threads = th;
        s.gamma = g;
        s.n_input = 30;
        s.n_predict = 64 + rep;
        s.n_verify = 64 / (1 + g) + 8 + rep;
        s.n_drafted = s.n_verify * g;
        s.decode_us = 2e5 * (3 - th) + 1e3 * s.n_verify;
        base.push_back(s);
      }
  const LoopTerms l0 = fit_loop_terms(base, 1, prof, d, t);
  CHECK(l0.threads == 1);
  CHECK(l0.runs == 6);
  // Adding a known cost per iteration and per drafted token moves the fitted terms by exactly that.
  std::vector<LoopSample> more = base;
  for (auto& s : more) s.decode_us += 420.0 * s.n_verify + 35.0 * s.n_drafted;
  const LoopTerms l1 = fit_loop_terms(more, 1, prof, d, t);
  CHECK(l1.iteration_us - l0.iteration_us == Approx(420).epsilon(1e-6));
  CHECK(l1.drafted_us - l0.drafted_us == Approx(35).epsilon(1e-6));
  CHECK(l0.residual_cv > 0);  // six runs, two unknowns: these made-up times do not fit exactly
  // Two runs at two draft lengths determine both terms: no residual.
  const LoopTerms two = fit_loop_terms({base[0], base[2]}, 1, prof, d, t);
  CHECK(two.runs == 2);
  CHECK(two.residual_cv == Approx(0).margin(1e-9));
  Profile withterms = prof;
  add_loop_terms(withterms, more, d, t);
  CHECK(withterms.executor.engine == "llama.cpp");
  REQUIRE(withterms.executor.loop.size() == 2);
  CHECK(withterms.executor.at(1)->iteration_us == Approx(l1.iteration_us));
  CHECK(withterms.executor.at(2) != nullptr);
  // The terms need runs at two draft lengths at least.
  std::vector<LoopSample> one;
  for (const auto& s : base)
    if (s.gamma == 2) one.push_back(s);
  CHECK_THROWS_WITH(fit_loop_terms(one, 1, prof, d, t),
                    Catch::Contains("llama-speculative") && Catch::Contains("two or more draft lengths"));
  CHECK_THROWS_WITH(fit_loop_terms(base, 3, prof, d, t), Catch::Contains("two or more draft lengths"));
}
