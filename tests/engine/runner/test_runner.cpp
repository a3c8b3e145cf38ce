// The Runner interface on every backend: logit rows of an m-token forward, batch invariance, KV
// rollback, a failed forward leaving the cache as it was, async submit/wait, self:K layer limits.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "../opencl/cl_test_support.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/engine/runner/runner_factory.hpp"
#include "spec/spec_models.hpp"

using namespace hetspec;

namespace {

std::vector<float> rows_copy(const float* p, int rows, int64_t vocab) { return std::vector<float>(p, p + rows * vocab); }

// Row i of one m-token forward vs m one-token forwards: bit-equal when batch-invariant.
void check_batch_invariance(Runner& r, bool expect_bit_equal) {
  const std::vector<int32_t> toks = {5, 17, 42, 99, 7, 130, 64, 3};
  const int m = int(toks.size());
  const int64_t V = r.spec().vocab;
  r.truncate(0);
  r.forward(toks.data(), 3, 0, 1);  // some context first
  auto batched = rows_copy(r.forward(toks.data() + 3, m - 3, 3, m - 3), m - 3, V);
  CHECK(r.length() == m);
  r.truncate(3);
  CHECK(r.length() == 3);
  size_t diffs = 0;
  double max_abs = 0;
  for (int i = 3; i < m; ++i) {
    const float* one = r.forward(&toks[size_t(i)], 1, i, 1);
    for (int64_t v = 0; v < V; ++v) {
      const float a = batched[size_t((i - 3) * V + v)], b = one[v];
      diffs += std::memcmp(&a, &b, sizeof a) != 0;
      max_abs = std::max(max_abs, double(std::fabs(a - b)));
    }
  }
  INFO("max |batched - one-token| = " << max_abs << ", differing logits " << diffs);
  if (expect_bit_equal) CHECK(diffs == 0);
  else CHECK(max_abs < 1e-2);
}

void check_rollback_and_errors(Runner& r) {
  const std::vector<int32_t> toks = {5, 17, 42, 99};
  const int64_t V = r.spec().vocab;
  r.truncate(0);
  auto first = rows_copy(r.forward(toks.data(), 4, 0, 2), 2, V);
  // A bad token in a later forward: error, and the cache keeps its 4 positions.
  const int32_t bad[2] = {1, int32_t(V)};
  CHECK_THROWS_AS(r.forward(bad, 2, 4, 1), Error);
  CHECK(r.length() == 4);
  CHECK_THROWS_WITH(r.forward(toks.data(), 1, 6, 1), Catch::Contains("hole"));
  CHECK_THROWS_WITH(r.forward(toks.data(), 2, 0, 3), Catch::Contains("logit_rows"));
  CHECK(r.length() == 4);
  // Rewriting positions 2..3 (pos0 < length) gives the same rows as before.
  auto again = rows_copy(r.forward(toks.data() + 2, 2, 2, 2), 2, V);
  CHECK(again == first);
  r.truncate(100);  // beyond the length: no-op
  CHECK(r.length() == 4);
  // Async: the same logits from the worker thread.
  r.truncate(2);
  r.submit(toks.data() + 2, 2, 2, 2);
  auto async = rows_copy(r.wait(), 2, V);
  CHECK(async == first);
  // Context full is an error before anything changes.
  std::vector<int32_t> many(size_t(r.capacity()), 1);
  CHECK_THROWS_WITH(r.forward(many.data(), int(many.size()), 4, 1), Catch::Contains("context full"));
  CHECK(r.length() == 4);
}

}  // namespace

TEST_CASE("CPU runner: logit rows, batch invariance, rollback, async, errors", "[runner]") {
  const auto& m = test::spec_models();
  auto model = CpuModel::load(m.target, 1);
  DeviceRegistry reg;
  for (int threads : {1, 2}) {
    RunnerSpec rs;
    rs.plan = parse_device_plan("cpu", model->spec().n_layers);
    rs.threads = threads;
    rs.capacity = 64;
    rs.batch_invariant = true;
    auto r = make_runner(*model, rs, reg);
    INFO("threads " << threads);
    check_batch_invariance(*r, true);
    check_rollback_and_errors(*r);
    rs.batch_invariant = false;
    auto fast = make_runner(*model, rs, reg);
    check_batch_invariance(*fast, false);  // the llama.cpp-order batched attention: close, not bit-equal
  }
}

TEST_CASE("self:K runner = the first K layers and the head", "[runner]") {
  const auto& m = test::spec_models();
  auto model = CpuModel::load(m.target, 1);
  DeviceRegistry reg;
  RunnerSpec rs;
  rs.plan = parse_device_plan("cpu", 2);
  rs.capacity = 32;
  auto self2 = make_runner(*model, rs, reg);
  CHECK(self2->layers() == 2);
  rs.plan = parse_device_plan("cpu", 3);
  auto full = make_runner(*model, rs, reg);
  const int32_t t[3] = {4, 8, 15};
  auto a = rows_copy(self2->forward(t, 3, 0, 1), 1, 272);
  auto b = rows_copy(full->forward(t, 3, 0, 1), 1, 272);
  CHECK(a != b);
  // The same as a CpuForward limited to 2 layers.
  KvCache kv = model->forward().make_cache(32, 0, 2);
  const float* c = model->forward().forward(t, 3, 0, kv, 1, 2);
  CHECK(std::vector<float>(c, c + 272) == a);
  rs.plan = parse_device_plan("cpu", 4);
  CHECK_THROWS_WITH(make_runner(*model, rs, reg), Catch::Contains("covers 4 layers"));
}

TEST_CASE("OpenCL and split runners: logit rows, rollback, async, errors", "[runner][opencl]") {
  HS_CL_TEST_DEVICE(dev);
  (void)dev;
  const auto& m = test::spec_models();
  auto model = CpuModel::load(m.target, 1);
  DeviceRegistry reg;
  for (const char* plan : {"cl:0", "cpu:0-0,cl:0:1-2,head=cpu"}) {
    INFO(plan);
    RunnerSpec rs;
    rs.plan = parse_device_plan(plan, 3);
    rs.capacity = 64;
    rs.batch_invariant = true;
    auto r = make_runner(*model, rs, reg);
    check_batch_invariance(*r, true);  // m one-token forwards
    check_rollback_and_errors(*r);
    rs.batch_invariant = false;
    auto fast = make_runner(*model, rs, reg);
    check_batch_invariance(*fast, false);  // the GEMM path: close
    if (std::string(plan) != "cl:0") CHECK(r->stats().handoffs > 0);
  }
}
