// The profiler measures its kernel grid in rounds and keeps the median per point: a round caught by
// a burst (every point of it slow together) must not move the result, and the spread across rounds
// becomes the point's cv.
#include <catch2/catch.hpp>

#include "hetspec/bench/rounds.hpp"

using namespace hetspec;
using namespace hetspec::bench;

namespace {
KernelTable table(std::vector<double> us, std::vector<double> cv) {
  KernelTable t;
  t.k = 576;
  t.n = 1536;
  t.dtype = DType::Q4_1;
  t.threads = 2;
  t.m = {1, 4, 16};
  t.us = std::move(us);
  t.cv = std::move(cv);
  t.set_bytes = 64e6;
  return t;
}
}  // namespace

TEST_CASE("rounds: a burst-slowed round does not move the median, the spread becomes cv", "[profile][rounds]") {
  KernelTable a = table({10, 20, 40}, {0.01, 0.01, 0.01});
  KernelTable slow = table({14, 28, 56}, {0.01, 0.01, 0.01});  // the whole round 40 % slow
  KernelTable c = table({11, 21, 42}, {0.01, 0.01, 0.01});
  KernelTable m = merge_rounds(std::vector<KernelTable>{a, slow, c});
  CHECK(m.us == std::vector<double>{11, 21, 42});
  REQUIRE(m.cv.size() == 3);
  // MAD of {10, 11, 14} around 11 is 1: cv = 1.4826 / 11.
  CHECK(m.cv[0] == Approx(1.4826 / 11));
  CHECK(m.k == 576);
  CHECK(m.threads == 2);
}

TEST_CASE("rounds: one round is kept as it is; rounds of another grid are ignored", "[profile][rounds]") {
  KernelTable a = table({10, 20, 40}, {0.03, 0.02, 0.01});
  CHECK(merge_rounds(std::vector<KernelTable>{a}).cv == a.cv);
  KernelTable other = a;
  other.m = {1, 2, 4};
  other.us = {100, 100, 100};
  KernelTable b = table({12, 22, 44}, {0, 0, 0});
  KernelTable m = merge_rounds(std::vector<KernelTable>{a, other, b});
  CHECK(m.us == std::vector<double>{11, 21, 42});  // median of a and b only
}

TEST_CASE("rounds: attention, element-wise and bandwidth curves merge per point", "[profile][rounds]") {
  AttentionTable at;
  at.n_heads = 9;
  at.n_kv_heads = 3;
  at.head_dim = 64;
  at.m = {1, 4};
  at.n = {64, 512};
  at.us = {{1, 2}, {3, 4}};
  AttentionTable bt = at;
  bt.us = {{3, 6}, {9, 12}};
  AttentionTable ct = at;
  ct.us = {{2, 3}, {4, 5}};
  CHECK(merge_rounds(std::vector<AttentionTable>{at, bt, ct}).us == std::vector<std::vector<double>>{{2, 3}, {4, 5}});

  ElementwiseTable e;
  e.d_model = 576;
  e.ffn_dim = 1536;
  e.m = {1, 16};
  e.us = {5, 50};
  ElementwiseTable f = e;
  f.us = {7, 70};
  CHECK(merge_rounds(std::vector<ElementwiseTable>{e, f}).us == std::vector<double>{6, 60});

  std::vector<BandwidthPoint> c1 = {{16384, 10}, {1 << 20, 30}}, c2 = {{16384, 20}, {1 << 20, 10}},
                              c3 = {{16384, 15}, {1 << 20, 20}};
  auto c = merge_rounds(std::vector<std::vector<BandwidthPoint>>{c1, c2, c3});
  REQUIRE(c.size() == 2);
  CHECK(c[0].gbps == 15);
  CHECK(c[1].gbps == 20);
}
