// Hand-computed cases for the cost model (DESIGN.md equations).
#include <catch2/catch.hpp>

#include "hetspec/cost/spec_cost.hpp"
#include "hetspec/plan/plan_space.hpp"
#include "hetspec/plan/sweep.hpp"

#include <set>
#include "support/paths.hpp"

using namespace hetspec;
using hetspec::test::source_path;

namespace {
Profile toy() { return load_profile(source_path("tests/fixtures/toy-soc.yaml")); }
ModelSpec model(const char* name) { return load_model_spec(source_path(std::string("configs/models/") + name)); }

Plan plan_on(const Profile& p, const char* draft_pu, const char* target_pu, int gamma, Mode mode = Mode::Sequential) {
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
  plan.threads[p.pu_index("cpu")] = 4;
  return plan;
}
}  // namespace

TEST_CASE("expected tokens: alpha 0 gives 1, alpha 1 gives gamma+1, scalar closed form", "[cost]") {
  for (int g = 0; g <= 16; ++g) {
    CHECK(expected_tokens({0.0}, g) == Approx(1.0));
    CHECK(expected_tokens({1.0}, g) == Approx(g + 1.0));
    CHECK(expected_tokens({0.999999}, g) == Approx(g + 1.0).epsilon(1e-4));
    double a = 0.7;
    CHECK(expected_tokens({a}, g) == Approx((1 - std::pow(a, g + 1)) / (1 - a)));
  }
  // Per-position: 1 + 0.9 + 0.9*0.5 + 0.9*0.5*0.5 (last value repeats)
  CHECK(expected_tokens({0.9, 0.5}, 3) == Approx(1 + 0.9 + 0.45 + 0.225));
  CHECK(prob_prefix_accepted({0.9, 0.5}, 3) == Approx(0.225));
}

TEST_CASE("roofline matmul time is max(bytes/bw, flops/peak), hand-computed", "[cost]") {
  Profile p = toy();
  ExecContext c{&p.pus[0], 4, 1.0, false};
  // GEMV, q4_0 weights: n*k*18/32 bytes + 4*(k+n) activations; 4 threads x 5 GB/s = 10 GB/s (bus cap 10).
  double bytes = 4096.0 * 4096 * 18 / 32 + 4.0 * (4096 + 4096);
  CHECK(matmul_us(c, 1, 4096, 4096, DType::Q4_0) == Approx(bytes / 10e3));
  // One thread: 5 GB/s.
  ExecContext c1{&p.pus[0], 1, 1.0, false};
  CHECK(matmul_us(c1, 1, 4096, 4096, DType::Q4_0) == Approx(bytes / 5e3));
  // Large m: compute-bound, 2*m*n*k flops at 100 GFLOP/s (all 4 threads).
  double flops = 2.0 * 512 * 4096 * 4096;
  CHECK(matmul_us(c, 512, 4096, 4096, DType::Q4_0) == Approx(flops / 100e3));
  // Contention halves bandwidth.
  ExecContext ch{&p.pus[0], 4, 0.5, false};
  CHECK(matmul_us(ch, 1, 4096, 4096, DType::Q4_0) == Approx(2 * bytes / 10e3));
}

TEST_CASE("measured tables win over the roofline, interpolated in m", "[cost]") {
  Profile p = toy();
  KernelTable t;
  t.k = 64; t.n = 128; t.dtype = DType::Q4_0; t.threads = 4;
  t.m = {1, 4, 8};
  t.us = {10, 16, 40};
  p.pus[0].tables.push_back(t);
  ExecContext c{&p.pus[0], 4, 1.0, false};
  TimeSource src;
  CHECK(matmul_us(c, 2, 64, 128, DType::Q4_0, &src) == Approx(12.0));
  CHECK(src == TimeSource::Table);
  CHECK(matmul_us(c, 6, 64, 128, DType::Q4_0) == Approx(28.0));
  CHECK(matmul_us(c, 16, 64, 128, DType::Q4_0) == Approx(88.0));   // extrapolated with the last slope
  CHECK(matmul_us(c, 1, 128, 128, DType::Q4_0, &src) == Approx(20.0));  // other shape: scaled by weight size
  CHECK(src == TimeSource::ScaledTable);
  ExecContext c1{&p.pus[0], 1, 1.0, false};
  matmul_us(c1, 1, 64, 128, DType::Q4_0, &src);
  CHECK(src == TimeSource::Roofline);  // no table for 1 thread
}

TEST_CASE("latency is monotone in the number of tokens and in gamma", "[cost]") {
  Profile p = load_profile(source_path("configs/socs/nxp-imx95.yaml"));
  ModelSpec t = model("llama-3.2-3b.yaml");
  ModelSpec d = model("llama-3.2-1b.yaml");
  for (int pu = 0; pu < 2; ++pu) {
    ExecContext c{&p.pus[pu], 6, 1.0, false};
    double prev = 0;
    for (int m = 1; m <= 64; ++m) {
      double now = layers_cost(t, c, DType::Q4_0, m, 100, t.n_layers).total();
      REQUIRE(now >= prev);
      prev = now;
    }
  }
  Workload w;
  double prev = 0;
  for (int g = 0; g <= 16; ++g) {
    Estimate e = predict(plan_on(p, "gpu", "cpu", g), d, t, p, Acceptance::scalar(0.7), w);
    REQUIRE(e.feasible);
    REQUIRE(e.iter_us > prev);
    prev = e.iter_us;
  }
}

TEST_CASE("gamma 0 equals plain decoding", "[cost]") {
  Profile p = toy();
  ModelSpec t = model("llama-3.2-3b.yaml");
  ModelSpec d = model("llama-3.2-1b.yaml");
  Workload w;
  Plan plain = plan_on(p, "cpu", "cpu", 0);
  Estimate e = predict(plain, d, t, p, Acceptance::scalar(0.9), w);
  std::array<ExecContext, kMaxPus> ctx{};
  for (size_t i = 0; i < p.pus.size(); ++i) ctx[i] = ExecContext{&p.pus[i], plain.threads[i], 1.0, false};
  double forward = model_forward(t, plain.target, p, ctx, 1, w.decode_context(), 1).total_us();
  double host = t.vocab * p.host.sample_ns_per_vocab * 1e-3;
  CHECK(e.tokens_per_iter == 1.0);
  CHECK(e.per_token_us == Approx(forward + host));
  CHECK(e.phases.draft == 0);
  CHECK(e.phases.catchup == 0);
  // Acceptance does not matter without a draft.
  CHECK(predict(plain, d, t, p, Acceptance::scalar(0.1), w).per_token_us == Approx(e.per_token_us));
}

TEST_CASE("a per-position vector equal to a scalar gives the same answer", "[cost]") {
  Profile p = load_profile(source_path("configs/socs/nxp-imx95.yaml"));
  ModelSpec t = model("llama-3.2-3b.yaml");
  ModelSpec d = model("llama-3.2-1b.yaml");
  Acceptance vec;
  vec.alpha.assign(16, 0.73);
  for (Mode mode : {Mode::Sequential, Mode::Overlapped})
    for (int g = 1; g <= 8; ++g) {
      Plan plan = plan_on(p, "gpu", "cpu", g, mode);
      Estimate a = predict(plan, d, t, p, Acceptance::scalar(0.73), Workload{});
      Estimate b = predict(plan, d, t, p, vec, Workload{});
      CHECK(a.per_token_us == Approx(b.per_token_us));
      CHECK(a.tokens_per_iter == Approx(b.tokens_per_iter));
    }
}

TEST_CASE("a layer split with zero transfer cost equals the sum of its halves", "[cost]") {
  Profile p = toy();  // link: 1e4 GB/s, no latency, no sync
  p.links[0].bw_gbps = 1e12;
  ModelSpec t = model("llama-3.2-3b.yaml");
  std::array<ExecContext, kMaxPus> ctx{};
  ctx[0] = ExecContext{&p.pus[0], 4, 1.0, false};
  ctx[1] = ExecContext{&p.pus[1], 1, 1.0, false};
  ModelPlacement split;
  split.pu = 0; split.split_pu = 1; split.split = 10; split.head_pu = 1; split.dtype = DType::Q4_0;
  for (int m : {1, 5}) {
    ForwardTiming f = model_forward(t, split, p, ctx, m, 200, m);
    double halves = layers_cost(t, ctx[0], DType::Q4_0, m, 200, 10).total() +
                    layers_cost(t, ctx[1], DType::Q4_0, m, 200, t.n_layers - 10).total() + head_cost(t, ctx[1], m).total();
    CHECK(f.total_us() == Approx(halves));
    CHECK(f.transfer_us == Approx(0).margin(1e-3));
    CHECK(f.handoff_us == 0);
  }
}

TEST_CASE("sequential iteration time follows the DESIGN equation", "[cost]") {
  Profile p = toy();
  ModelSpec t = model("llama-3.2-3b.yaml");
  ModelSpec d = model("llama-3.2-1b.yaml");
  Workload w;
  const int g = 4;
  const double a = 0.6;
  Plan plan = plan_on(p, "gpu", "cpu", g);
  PlanTiming tm = time_plan(plan, d, t, p, w);
  Estimate e = finish(tm, plan, d, Acceptance::scalar(a), w);
  // Host passes: γ draft rows; the target's rows the executor compares (E − P_all) plus the correction/bonus row.
  const double E = (1 - std::pow(a, g + 1)) / (1 - a);
  double host = ((E - std::pow(a, g) + 1) * t.vocab + g * d.vocab) * 1e-3;
  double expect = g * tm.draft1.total_us() + tm.verify.total_us() +
                  std::pow(a, g) * (tm.draft2.total_us() - tm.draft1.total_us()) + host;
  CHECK(e.iter_us == Approx(expect));
  // Per token: over the G - 1 tokens the iterations emit (the last one truncated), a little above
  // the infinite-request mean's time per token.
  CHECK(e.tokens_per_iter == Approx(tokens_per_iteration({a}, g, w.gen_tokens - 1)));
  CHECK(e.per_token_us == Approx(expect / e.tokens_per_iter));
  CHECK(e.per_token_us > expect / E);
}

TEST_CASE("overlapped mode: max of both sides plus re-drafting after a miss, with contention", "[cost]") {
  Profile p = toy();
  ModelSpec t = model("llama-3.2-3b.yaml");
  ModelSpec d = model("llama-3.2-1b.yaml");
  Workload w;
  const int g = 3;
  const double a = 0.8;
  Plan plan = plan_on(p, "gpu", "cpu", g, Mode::Overlapped);
  PlanTiming tm = time_plan(plan, d, t, p, w);
  REQUIRE(tm.feasible);
  // Both shares are 0.5 in the toy SoC: the memory-bound one-token draft on the GPU takes twice as long.
  CHECK(tm.draft1_c.compute_us() == Approx(2 * tm.draft1.compute_us()).epsilon(0.01));
  Estimate e = finish(tm, plan, d, Acceptance::scalar(a), w);
  double draft_row = d.vocab * 1e-3;
  double verify_side = tm.verify_c.total_us();  // the target's rows are checked after its forward: not overlapped
  double draft_side = (g + 1) * (tm.draft1_c.total_us() + draft_row);  // feeds d_γ, guesses the bonus, drafts γ
  const double E = (1 - std::pow(a, g + 1)) / (1 - a);
  double target_rows = (E - std::pow(a, g) + 1) * t.vocab * 1e-3;
  double expect = std::max(verify_side, draft_side) + target_rows + (1 - std::pow(a, g + 1)) * g * (tm.draft1.total_us() + draft_row);
  CHECK(e.iter_us == Approx(expect));
  // A calibrated η hides only part of the shorter side.
  Profile q = p;
  q.calibration.overlap = {{"gpu", "cpu", 0.25}};
  q.resolve();
  Estimate e2 = predict(plan, d, t, q, Acceptance::scalar(a), w);
  CHECK(e2.iter_us - e.iter_us == Approx(0.75 * std::min(verify_side, draft_side)));
  // Sharing a PU makes overlapped mode infeasible, with a reason.
  Estimate bad = predict(plan_on(p, "cpu", "cpu", g, Mode::Overlapped), d, t, p, Acceptance::scalar(a), w);
  CHECK_FALSE(bad.feasible);
  CHECK(bad.reason.find("disjoint") != std::string::npos);
}

TEST_CASE("memory feasibility: a PU limit and the shared DRAM", "[cost]") {
  Profile p = toy();
  p.pus[1].mem_bytes = 1e9;  // a 1 GB GPU cannot hold a 3B q4_0 target
  ModelSpec t = model("llama-3.2-3b.yaml");
  ModelSpec d = model("llama-3.2-1b.yaml");
  Estimate e = predict(plan_on(p, "cpu", "gpu", 2), d, t, p, Acceptance::scalar(0.7), Workload{});
  CHECK_FALSE(e.feasible);
  CHECK(e.reason.find("gpu needs") != std::string::npos);
  p.dram_bytes = 1e9;
  Estimate f = predict(plan_on(p, "cpu", "cpu", 2), d, t, p, Acceptance::scalar(0.7), Workload{});
  CHECK_FALSE(f.feasible);
  CHECK(f.reason.find("usable DRAM") != std::string::npos);
}

TEST_CASE("break-even alpha separates losing from winning", "[cost]") {
  Profile p = load_profile(source_path("configs/socs/nxp-imx95.yaml"));
  ModelSpec t = model("llama-3.2-3b.yaml");
  ModelSpec d = model("llama-3.2-1b.yaml");
  PlanSpaceOptions opt;
  opt.max_gamma = 6;
  opt.splits = false;
  SweepResult r = run_sweep(p, d, t, Acceptance::scalar(0.7), Workload{}, opt);
  REQUIRE(r.break_even_alpha > 0);
  REQUIRE(r.break_even_alpha < 1);
  double be = r.break_even_alpha;
  SweepResult below = run_sweep(p, d, t, Acceptance::scalar(be - 0.01), Workload{}, opt);
  SweepResult above = run_sweep(p, d, t, Acceptance::scalar(be + 0.01), Workload{}, opt);
  CHECK_FALSE(below.ranked.front().plan.speculative());
  CHECK(above.ranked.front().plan.speculative());
  CHECK(above.ranked.front().est.speedup > 1.0);
}

TEST_CASE("profiles with up to 8 PUs are priced; a plan may use the last one", "[cost]") {
  Profile p = toy();
  for (int i = 2; i < 8; ++i) {
    ProcessingUnit extra = p.pus[1];
    extra.id = "gpu" + std::to_string(i);
    p.pus.push_back(extra);
    p.links.push_back(Link{"cpu", extra.id, p.links[0].bw_gbps, p.links[0].latency_us});
    p.contention.push_back(Contention{"cpu", extra.id, p.contention[0].a_share, p.contention[0].b_share});
  }
  p.resolve();
  ModelSpec t = model("llama-3.2-3b.yaml");
  ModelSpec d = model("llama-3.2-1b.yaml");
  Plan plan = plan_on(p, "gpu7", "cpu", 2, Mode::Overlapped);
  Estimate e = predict(plan, d, t, p, Acceptance::scalar(0.7), Workload{});
  CHECK(e.feasible);
  Plan same = plan_on(p, "gpu", "cpu", 2, Mode::Overlapped);  // gpu7 is a copy of gpu (links, contention too): same cost
  CHECK(predict(same, d, t, p, Acceptance::scalar(0.7), Workload{}).per_token_us == Approx(e.per_token_us));
}

// An overlapped plan whose other side is not a CPU PU leaves a core to the thread that drives it,
// where the profile measured all-but-one cores; sequential plans and small CPUs keep every option.
TEST_CASE("plan space: overlapped plans beside a GPU leave one core where there are cores to spare", "[cost]") {
  Profile prof = load_profile(source_path("tests/fixtures/toy-soc.yaml"));
  const int cpu = prof.pu_index("cpu"), gpu = prof.pu_index("gpu");
  REQUIRE(cpu >= 0);
  REQUIRE(gpu >= 0);
  ModelSpec t = load_model_spec(source_path("configs/models/llama-3.2-1b.yaml"));
  ModelSpec d = t;
  d.name = "draft";
  d.n_layers = 2;
  PlanSpaceOptions opt;
  opt.max_gamma = 2;
  opt.splits = false;
  auto threads_seen = [&](Mode mode, bool cpu_draft_gpu_target) {
    std::set<int> seen;
    for (const Plan& p : enumerate_plans(prof, d, t, opt))
      if (p.mode == mode && p.speculative() && p.draft.pu == (cpu_draft_gpu_target ? cpu : gpu) &&
          p.target.pu == (cpu_draft_gpu_target ? gpu : cpu) && p.target.head_pu == p.target.pu)
        seen.insert(p.threads[size_t(cpu)]);
    return seen;
  };
  ProcessingUnit& c = prof.pus[size_t(cpu)];
  c.thread_options = {1, 2, c.cores - 1, c.cores};  // the toy CPU has 4 cores
  CHECK(threads_seen(Mode::Sequential, true) == std::set<int>{1, 2, 3, 4});
  CHECK(threads_seen(Mode::Overlapped, true) == std::set<int>{1, 2, 3});
  CHECK(threads_seen(Mode::Overlapped, false) == std::set<int>{1, 2, 3});
  Plan ov;
  ov.mode = Mode::Overlapped;
  ov.gamma = 2;
  ov.draft.pu = ov.draft.head_pu = gpu;
  ov.target.pu = ov.target.head_pu = cpu;
  CHECK(leaves_core(ov, prof, cpu));
  CHECK_FALSE(leaves_core(ov, prof, gpu));
  ov.mode = Mode::Sequential;
  CHECK_FALSE(leaves_core(ov, prof, cpu));
  c.thread_options = {1, c.cores};  // all-but-one not measured: nothing to leave a core with
  CHECK(threads_seen(Mode::Overlapped, true) == std::set<int>{1, 4});
}
