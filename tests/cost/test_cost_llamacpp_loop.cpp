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
  lc.executor.loop = {{4, "cpu", 300, 25, 50, 6, 0.01}, {4, "gpu", 900, 40, 400, 6, 0.01}};
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

  // The terms come from where the target's logits do: a target on the GPU pays the GPU's loop terms.
  const PlanTiming tg = time_plan(plan_on(lc, "gpu", "gpu", g, 4), d, t, lc, w);
  CHECK(tg.loop_iter_us == Approx(900));
  CHECK(tg.loop_drafted_us == Approx(40));
  CHECK(time_plan(plan_on(lc, "gpu", "gpu", 0, 4), d, t, lc, w).loop_plain_us == Approx(400));
  // No terms at this thread count: the forwards still follow llama.cpp's loop, nothing is added.
  const PlanTiming t2 = time_plan(plan_on(lc, "gpu", "cpu", g, 2), d, t, lc, w);
  CHECK(t2.redecode);
  CHECK(t2.loop_iter_us == 0);
  CHECK(tl.loop_plain_us == 0);
  // Plain decoding: the same forward under either executor, plus llama-completion's own term per token.
  const Plan plain = plan_on(lc, "gpu", "cpu", 0, 4);
  CHECK(time_plan(plain, d, t, lc, w).loop_plain_us == Approx(50));
  CHECK(predict(plain, d, t, lc, Acceptance::scalar(a), w).per_token_us ==
        Approx(predict(plain, d, t, hs, Acceptance::scalar(a), w).per_token_us + 50));
  // llama-speculative drafts and verifies in turn: an overlapped plan is not one it can run.
  const Estimate ov = predict(plan_on(lc, "gpu", "cpu", g, 4, Mode::Overlapped), d, t, lc, Acceptance::scalar(a), w);
  CHECK_FALSE(ov.feasible);
  CHECK(ov.reason.find("llama.cpp drafts and verifies in sequence") != std::string::npos);
}

TEST_CASE("loop terms: the fit recovers known per-iteration and per-drafted-token costs", "[cost][llamacpp]") {
  const Profile prof = load_profile(source_path("tests/fixtures/roofline-cpu-pocl.yaml"));
  const ModelSpec t = model("smollm2-360m.yaml"), d = model("smollm2-135m.yaml");
  // Runs as llama-speculative reports them: 64 tokens at γ 1, 2, 4, 8 and two thread counts, each
  // taking exactly what the profile prices plus 420 µs per iteration and 35 µs per drafted token.
  auto runs = [&](double per_iter, double per_drafted) {
    std::vector<LoopSample> v;
    for (int th : {1, 2})
      for (int g : {1, 2, 4, 8}) {
        LoopSample s;
        s.threads = th;
        s.gamma = g;
        s.n_input = 30;
        s.n_predict = 65;
        s.n_verify = 64 / (1 + g) + 8;
        s.n_drafted = s.n_verify * g;
        s.decode_us = loop_priced_us(s, prof, d, t) + per_iter * s.n_verify + per_drafted * s.n_drafted;
        REQUIRE(s.decode_us > 0);
        v.push_back(s);
      }
    return v;
  };
  std::vector<LoopSample> exact = runs(420, 35);
  const LoopTerms l = fit_loop_terms(exact, 1, prof, d, t);
  CHECK(l.threads == 1);
  CHECK(l.runs == 4);
  CHECK(l.iteration_us == Approx(420).epsilon(1e-6));
  CHECK(l.drafted_us == Approx(35).epsilon(1e-6));
  CHECK(l.residual_cv == Approx(0).margin(1e-9));
  // A run slowed by other work on the machine does not move the terms: the median run per γ counts
  // (the lower of two).
  std::vector<LoopSample> noisy = exact;
  LoopSample slow = exact[2];
  slow.decode_us *= 1.3;
  noisy.push_back(slow);
  const LoopTerms ln = fit_loop_terms(noisy, 1, prof, d, t);
  CHECK(ln.runs == 5);
  CHECK(ln.iteration_us == Approx(420).epsilon(1e-6));
  CHECK(ln.drafted_us == Approx(35).epsilon(1e-6));
  // Time the forwards do not show is never negative: a term that would fit below 0 is 0, the other refitted.
  const LoopTerms neg = fit_loop_terms(runs(-300, 80), 1, prof, d, t);
  CHECK(neg.iteration_us == 0);
  CHECK(neg.drafted_us > 0);
  CHECK(neg.residual_cv > 0);
  // Plain decoding's term: llama-completion's time per token beyond what the profile prices, from the
  // median run (the lower of two); signed, but never below -90 % of the priced step.
  const std::vector<PlainSample> slowplain = {{1, 48e6, 30, 48}}, fastplain = {{1, 48e6 - 48 * 700.0, 30, 48}};
  const double p_slow = fit_plain_term(slowplain, 1, prof, t), p_fast = fit_plain_term(fastplain, 1, prof, t);
  CHECK(p_slow - p_fast == Approx(700));
  CHECK(fit_plain_term({slowplain[0], fastplain[0]}, 1, prof, t) == Approx(p_fast));
  CHECK(fit_plain_term({slowplain[0], fastplain[0], slowplain[0]}, 1, prof, t) == Approx(p_slow));  // the median of three
  const double priced = 48e6 / 48 - p_slow;  // the step the profile prices
  CHECK(fit_plain_term({{1, 48 * 0.5 * priced, 30, 48}}, 1, prof, t) == Approx(-0.5 * priced));  // faster than priced
  CHECK(fit_plain_term({{1, 48.0, 30, 48}}, 1, prof, t) == Approx(-0.9 * priced));
  CHECK(fit_plain_term(slowplain, 2, prof, t) == 0);  // nothing timed at 2 threads
  Profile withterms = prof;
  add_loop_terms(withterms, exact, slowplain, d, t);
  CHECK(withterms.executor.at(1)->plain_us == Approx(p_slow));
  CHECK(withterms.executor.engine == "llama.cpp");
  REQUIRE(withterms.executor.loop.size() == 2);
  CHECK(withterms.executor.at(2)->iteration_us == Approx(420).epsilon(1e-6));
  // The terms need runs at two draft lengths at least.
  std::vector<LoopSample> one;
  for (const auto& s : exact)
    if (s.gamma == 2) one.push_back(s);
  CHECK_THROWS_WITH(fit_loop_terms(one, 1, prof, d, t),
                    Catch::Contains("llama-speculative") && Catch::Contains("two or more draft lengths"));
  CHECK_THROWS_WITH(fit_loop_terms(exact, 3, prof, d, t), Catch::Contains("two or more draft lengths"));
}
