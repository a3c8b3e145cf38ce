// The speculative executor on small random-weight models: greedy speculative output equals plain
// greedy decoding (every γ, both modes, separate and self drafts); stochastic speculative sampling
// keeps the target's distribution (chi-square over 20,000 requests) and breaks it when the residual
// step is replaced by sampling from p; the timing mode accepts at the requested rate; traces add up.
#include <catch2/catch.hpp>

#include <cmath>

#include <map>

#include "hetspec/core/error.hpp"
#include "hetspec/engine/runner/runner_factory.hpp"
#include "hetspec/spec/speculative.hpp"
#include "hetspec/spec/summary.hpp"
#include "spec_models.hpp"
#include "support/chi_square.hpp"
#include "support/exact_three.hpp"

using namespace hetspec;

namespace {

struct Pair {
  std::unique_ptr<CpuModel> target, draft;
  DeviceRegistry reg;
  std::unique_ptr<Runner> t, d, self1;
  Pair(bool batch_invariant = true) {
    const auto& m = test::spec_models();
    target = CpuModel::load(m.target, 1);
    draft = CpuModel::load(m.draft, 1);
    RunnerSpec rs;
    rs.capacity = 200;
    rs.batch_invariant = batch_invariant;
    rs.plan = parse_device_plan("cpu", 3);
    t = make_runner(*target, rs, reg);
    rs.plan = parse_device_plan("cpu", 2);
    d = make_runner(*draft, rs, reg);
    rs.plan = parse_device_plan("cpu", 1);
    self1 = make_runner(*target, rs, reg);
  }
};

const std::vector<std::vector<int32_t>> kPrompts = {
    {1, 40, 41, 42}, {1, 100, 7, 9, 200, 31}, {1, 250}, {1, 60, 61, 62, 63, 64, 65, 66}, {1, 5, 5, 5}};

}  // namespace

TEST_CASE("greedy speculative decoding equals plain greedy decoding", "[spec]") {
  Pair p;
  SpecOptions plain;
  plain.max_new = 40;
  for (const auto& prompt : kPrompts) {
    const auto want = run_request(nullptr, *p.t, prompt, plain).tokens;
    REQUIRE(want.size() == 40);
    for (Runner* draft : {p.d.get(), p.self1.get()})
      for (Mode mode : {Mode::Sequential, Mode::Overlapped})
        for (int g : {1, 2, 4, 8}) {
          SpecOptions o = plain;
          o.gamma = g;
          o.mode = mode;
          RequestTrace tr = run_request(draft, *p.t, prompt, o);
          INFO("gamma " << g << " " << mode_name(mode) << (draft == p.d.get() ? " separate draft" : " self:1"));
          CHECK(tr.tokens == want);
          int emitted = 1;  // the prefill's token
          for (const auto& it : tr.iters) {
            CHECK(it.accepted <= it.drafted);
            CHECK(it.phases.total() == Approx(it.iter_us).margin(1e-6));
            emitted += it.emitted;
          }
          CHECK(emitted == int(tr.tokens.size()));
        }
  }
}

TEST_CASE("the timing mode accepts at the requested rate, all forwards real", "[spec]") {
  Pair p;
  SpecOptions o;
  o.max_new = 60;
  o.gamma = 4;
  o.accept_rate = {0.7};
  o.accept_stratified = false;  // independent draws: the rate holds in distribution
  std::vector<RequestTrace> reqs;
  for (int r = 0; r < 8; ++r) {
    o.accept_seed = uint64_t(r + 1);
    reqs.push_back(run_request(p.d.get(), *p.t, kPrompts[size_t(r) % kPrompts.size()], o));
  }
  ArmSummary s = summarize_arm("plan", "cpu", 4, "sequential", reqs);
  REQUIRE(s.acceptance.size() == 4);
  CHECK(s.acceptance[0].reached > 100);
  CHECK(s.acceptance[0].rate.lo < 0.7);
  CHECK(s.acceptance[0].rate.hi > 0.7);
  // Expected tokens per iteration (1 - α^{γ+1}) / (1 - α) = 2.77 for α = 0.7, γ = 4.
  CHECK(s.tokens_per_iter == Approx(2.77).margin(0.3));
  CHECK(s.phases.draft > 0);
  CHECK(s.phases.verify > 0);
}

TEST_CASE("stratified timing draws realise each position's rate to within one draw per request", "[spec]") {
  Pair p;
  SpecOptions o;
  o.max_new = 40;
  o.gamma = 4;
  o.accept_rate = {0.8, 0.5, 0.3};  // position 4 repeats 0.3
  for (int r = 0; r < 4; ++r) {
    o.accept_seed = uint64_t(r + 11);
    const RequestTrace tr = run_request(p.d.get(), *p.t, kPrompts[size_t(r) % kPrompts.size()], o);
    ArmSummary s = summarize_arm("plan", "cpu", 4, "sequential", {tr});
    INFO("request " << r);
    REQUIRE(s.acceptance.size() == 4);
    CHECK(s.acceptance[0].reached >= 8);
    for (const auto& a : s.acceptance) {
      const double want = o.accept_rate[std::min<size_t>(size_t(a.position - 1), 2)];
      INFO("position " << a.position << ": " << a.accepted << " of " << a.reached);
      CHECK(std::fabs(double(a.accepted) - want * double(a.reached)) < 1.0);
    }
  }
  // Different seeds give different accept patterns (the offsets are drawn per request).
  o.accept_seed = 1;
  const auto t1 = run_request(p.d.get(), *p.t, kPrompts[0], o);
  o.accept_seed = 2;
  const auto t2 = run_request(p.d.get(), *p.t, kPrompts[0], o);
  std::vector<int> k1, k2;
  for (const auto& it : t1.iters) k1.push_back(it.accepted);
  for (const auto& it : t2.iters) k2.push_back(it.accepted);
  CHECK(k1 != k2);
}

TEST_CASE("executor errors: γ beyond the context, vocabularies, accept rate", "[spec]") {
  Pair p;
  SpecOptions o;
  o.gamma = 4;
  o.max_new = 190;
  CHECK_THROWS_WITH(run_request(p.d.get(), *p.t, kPrompts[0], o), Catch::Contains("KV positions"));
  o.max_new = 8;
  o.accept_rate = {1.5};
  CHECK_THROWS_WITH(run_request(p.d.get(), *p.t, kPrompts[0], o), Catch::Contains("[0, 1]"));
  o.accept_rate.clear();
  CHECK_THROWS_WITH(run_request(nullptr, *p.t, kPrompts[0], o), Catch::Contains("needs a draft"));
  auto other = CpuModel::load(test::spec_models().other_vocab, 1);
  RunnerSpec rs;
  rs.plan = parse_device_plan("cpu", 2);
  rs.capacity = 64;
  auto od = make_runner(*other, rs, p.reg);
  CHECK_THROWS_WITH(run_request(od.get(), *p.t, kPrompts[0], o), Catch::Contains("vocabularies differ"));
}

namespace {
test::ChiSquare sample_three(Pair& p, const std::vector<int32_t>& prompt, SpecOptions o, int runs,
                             const std::map<std::vector<int32_t>, double>& want) {
  std::map<std::vector<int32_t>, long> counts;
  for (int r = 0; r < runs; ++r) {
    o.sampler.seed = uint64_t(r) * 2654435761u + 17;
    auto toks = run_request(o.gamma > 0 ? p.d.get() : nullptr, *p.t, prompt, o).tokens;
    REQUIRE(toks.size() == 3);
    counts[toks]++;
  }
  return test::chi_square(counts, want, runs);
}
}  // namespace

TEST_CASE("stochastic speculative sampling keeps the target's distribution (chi-square)", "[spec][long]") {
  Pair p(false);
  const std::vector<int32_t> prompt = {1, 40, 41, 42};
  SpecOptions o;
  o.max_new = 3;
  o.stop_ids = {};
  o.sampler.temperature = 1.5f;
  o.sampler.top_k = 4;
  const auto want = test::exact_three(*p.t, prompt, o.sampler);
  REQUIRE(want.size() > 8);
  const int runs = 20000;
  o.gamma = 2;
  auto spec = sample_three(p, prompt, o, runs, want);
  INFO("speculative: chi2 " << spec.stat << " df " << spec.df << " p " << spec.p);
  CHECK(spec.p > 0.01);
  o.residual_from_target = true;  // the classic mistake: on rejection, sample p instead of max(0, p - q)
  auto wrong = sample_three(p, prompt, o, runs, want);
  INFO("residual replaced by p: chi2 " << wrong.stat << " df " << wrong.df << " p " << wrong.p);
  CHECK(wrong.p < 0.01);
  o.residual_from_target = false;
  o.gamma = 0;
  auto plain = sample_three(p, prompt, o, 4000, want);
  INFO("plain sampling: chi2 " << plain.stat << " p " << plain.p);
  CHECK(plain.p > 0.01);
}
