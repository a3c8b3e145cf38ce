// Calibration by whole forwards: where the profile holds a measured whole forward of the model on a
// PU, the predicted forward there equals it at the measured points (and a self:K draft is scaled by
// its target's measurement); without one, nothing changes.
#include <catch2/catch.hpp>

#include "hetspec/cost/spec_cost.hpp"
#include "hetspec/model/model_source.hpp"
#include "support/paths.hpp"

using namespace hetspec;
using namespace hetspec::test;

TEST_CASE("whole-forward measurements calibrate the forward model", "[cost]") {
  Profile prof = load_profile(source_path("tests/fixtures/toy-soc.yaml"));
  ModelSpec t = load_model_spec(source_path("configs/models/llama-3.2-1b.yaml"));
  const int cpu = prof.pu_index("cpu");
  REQUIRE(cpu >= 0);
  ModelPlacement pl;
  pl.pu = pl.head_pu = cpu;
  pl.dtype = t.weight_dtype;
  std::array<ExecContext, kMaxPus> ctx{};
  for (size_t i = 0; i < prof.pus.size(); ++i) {
    ctx[i].pu = &prof.pus[i];
    ctx[i].threads = prof.pus[i].cores;
  }
  const ForwardTiming before = model_forward(t, pl, prof, ctx, 4, 64, 4);
  // Measured: 1.5x the prediction at m = 1 and m = 8, both at n = 64 and n = 512.
  const double p1 = model_forward(t, pl, prof, ctx, 1, 64, 1).total_us();
  const double p8 = model_forward(t, pl, prof, ctx, 8, 64, 8).total_us();
  ProcessingUnit& pu = prof.pus[size_t(cpu)];
  for (int n : {64, 512})
    for (auto [m, us] : {std::pair{1, 1.5 * p1}, std::pair{8, 1.5 * p8}})
      pu.forward_check.push_back(ForwardCheck{.model = t.name, .threads = pu.cores, .m = m, .n = n, .us = us, .cv = 0});
  ctx[size_t(cpu)].pu = &prof.pus[size_t(cpu)];
  CHECK(model_forward(t, pl, prof, ctx, 1, 64, 1).total_us() == Approx(1.5 * p1).epsilon(0.02));
  CHECK(model_forward(t, pl, prof, ctx, 8, 64, 8).total_us() == Approx(1.5 * p8).epsilon(0.02));
  const double mid = model_forward(t, pl, prof, ctx, 4, 64, 4).total_us();
  CHECK(mid == Approx(1.5 * (p1 + (p8 - p1) * 3.0 / 7.0)).epsilon(0.03));  // linear in m between measurements
  CHECK(mid > before.total_us() * 1.3);
  // A self:8 draft of this target is scaled by the target's measurement.
  ModelSpec d = load_draft_spec_from("self:8", t);
  ModelPlacement dp = pl;
  Profile bare = load_profile(source_path("tests/fixtures/toy-soc.yaml"));
  std::array<ExecContext, kMaxPus> bctx = ctx;
  for (size_t i = 0; i < bare.pus.size(); ++i) bctx[i].pu = &bare.pus[i];
  const double d_bare = model_forward(d, dp, bare, bctx, 1, 64, 1).compute_us();
  const double d_cal = model_forward(d, dp, prof, ctx, 1, 64, 1).compute_us();
  CHECK(d_cal > 1.2 * d_bare);
  CHECK(d_cal < 1.8 * d_bare);
  // Another model's measurement changes nothing.
  ModelSpec other = load_model_spec(source_path("configs/models/llama-3.2-3b.yaml"));
  CHECK(model_forward(other, pl, prof, ctx, 1, 64, 1).total_us() == Approx(model_forward(other, pl, bare, bctx, 1, 64, 1).total_us()));
  // Beyond the measured contexts the kernel tables price the growth: with anchors at n = 64 only,
  // a forward at n = 2048 grows from n = 64 as the uncalibrated model says (it used to stay flat).
  Profile short_ctx = load_profile(source_path("tests/fixtures/toy-soc.yaml"));
  std::array<ExecContext, kMaxPus> sctx = ctx;
  for (size_t i = 0; i < short_ctx.pus.size(); ++i) sctx[i].pu = &short_ctx.pus[i];
  ProcessingUnit& sp = short_ctx.pus[size_t(cpu)];
  for (auto [m, us] : {std::pair{1, 1.5 * p1}, std::pair{8, 1.5 * p8}})
    sp.forward_check.push_back(ForwardCheck{.model = t.name, .threads = sp.cores, .m = m, .n = 64, .us = us, .cv = 0});
  const double b64 = model_forward(t, pl, bare, bctx, 1, 64, 1).compute_us();
  const double b2k = model_forward(t, pl, bare, bctx, 1, 2048, 1).compute_us();
  const double s64 = model_forward(t, pl, short_ctx, sctx, 1, 64, 1).compute_us();
  const double s2k = model_forward(t, pl, short_ctx, sctx, 1, 2048, 1).compute_us();
  REQUIRE(b2k > 1.05 * b64);  // the toy SoC's attention grows with the context
  CHECK(s2k / s64 == Approx(b2k / b64).epsilon(0.01));
}
