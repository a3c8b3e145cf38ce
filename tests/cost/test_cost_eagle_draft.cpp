// The cost model prices a feature-reading (EAGLE) draft: its fc matmul in every forward, its catch-up
// as the expected re-feed of the k + 1 positions an iteration accepted (E_k[T(k+1) − T(1)]), its
// prefill after the target's in either mode, and fc's bytes in its memory.
#include <catch2/catch.hpp>

#include "hetspec/cost/acceptance.hpp"
#include "hetspec/cost/memory.hpp"
#include "hetspec/cost/spec_cost.hpp"
#include "hetspec/model/draft_gguf.hpp"
#include "support/paths.hpp"

using namespace hetspec;
using hetspec::test::source_path;

namespace {
Profile toy() { return load_profile(source_path("tests/fixtures/toy-soc.yaml")); }
ModelSpec smollm2() { return load_model_spec(source_path("configs/models/smollm2-135m.yaml")); }

ModelSpec draft(bool eagle) {
  ModelSpec d = smollm2();
  d.name = "draft";
  d.n_layers = 2;
  d.borrows_embedding = true;
  d.head_rows = 4096;
  d.reads_features = eagle;
  return borrowing_draft_spec(d, "draft.gguf", smollm2());
}

Plan plan_on(const Profile& p, const char* draft_pu, int gamma, Mode mode = Mode::Sequential) {
  Plan plan;
  plan.gamma = gamma;
  plan.mode = mode;
  plan.target.pu = plan.target.head_pu = p.pu_index("cpu");
  plan.draft.pu = plan.draft.head_pu = p.pu_index(draft_pu);
  plan.target.dtype = plan.draft.dtype = DType::Q4_0;
  plan.threads.assign(p.pus.size(), 1);
  plan.threads[p.pu_index("cpu")] = 4;
  return plan;
}
}  // namespace

TEST_CASE("an eagle draft's fc costs a matmul per forward and its bytes", "[cost][draft][eagle]") {
  const Profile p = toy();
  const ModelSpec t = smollm2(), tok = draft(false), eag = draft(true);
  CHECK(eag.total_params() == tok.total_params() + 2 * int64_t(t.d_model) * t.d_model);
  CHECK(eag.feature_bytes() == Approx(2.0 * t.d_model * t.d_model * bytes_per_weight(eag.weight_dtype)));
  const Plan plan = plan_on(p, "cpu", 3);
  const Workload w;
  const PlanTiming a = time_plan(plan, tok, t, p, w), b = time_plan(plan, eag, t, p, w);
  REQUIRE(a.feasible);
  REQUIRE(b.feasible);
  CHECK(b.draft1.total_us() > a.draft1.total_us());
  CHECK(b.memory[size_t(plan.draft.pu)].weights - a.memory[size_t(plan.draft.pu)].weights ==
        Approx(2.0 * t.d_model * t.d_model * bytes_per_weight(plan.draft.dtype)));  // at the plan's dtype
  CHECK(a.refeed_us.empty());
  REQUIRE(b.refeed_us.size() == 4u);
  CHECK(b.refeed_us[0] == 0.0);
  CHECK(b.refeed_us[3] > b.refeed_us[1]);
}

TEST_CASE("an eagle draft's catch-up is the expected re-feed of the accepted tokens", "[cost][draft][eagle]") {
  const Profile p = toy();
  const ModelSpec t = smollm2(), eag = draft(true);
  const Workload w;
  const std::vector<double> alpha = {0.8, 0.7, 0.6};
  Acceptance acc;
  acc.alpha = alpha;
  for (int g : {1, 2, 3}) {
    const Plan plan = plan_on(p, "cpu", g);
    const PlanTiming pt = time_plan(plan, eag, t, p, w);
    const Estimate e = finish(pt, plan, eag, acc, w);
    double want = 0;
    for (int k = 1; k <= g; ++k) {
      const double pk = k < g ? prob_prefix_accepted(alpha, k) - prob_prefix_accepted(alpha, k + 1) : prob_prefix_accepted(alpha, g);
      want += pk * pt.refeed_us[size_t(k)];
      CHECK(pt.refeed_us[size_t(k)] > 0);
    }
    INFO("gamma " << g);
    CHECK(e.phases.catchup == Approx(want));
    // A token-only draft pays only the all-accepted two-token step.
    const ModelSpec tok = draft(false);
    const PlanTiming pa = time_plan(plan, tok, t, p, w);
    CHECK(finish(pa, plan, tok, acc, w).phases.catchup ==
          Approx(prob_prefix_accepted(alpha, g) * (pa.draft2.total_us() - pa.draft1.total_us())));
  }
  // Overlapped: the draft's prefill follows the target's (it reads the target's features).
  const Plan ov = plan_on(p, "gpu", 2, Mode::Overlapped);
  const PlanTiming po = time_plan(ov, eag, t, p, w), pt = time_plan(ov, draft(false), t, p, w);
  REQUIRE(po.feasible);
  CHECK(po.ttft_us > pt.ttft_us);
}
