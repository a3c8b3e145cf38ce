// The CPU thread pool: every item of a loop is visited once; two threads calling parallel_for on one
// pool at once (draft and target runners on the CPU in overlapped mode share the registry's pool)
// take turns and both finish with every item visited once, instead of deadlocking.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "hetspec/engine/cpu/thread_pool.hpp"

using namespace hetspec;

TEST_CASE("thread pool: concurrent callers take turns and every item is visited once", "[engine][cpu]") {
  ThreadPool pool(2, 50);
  constexpr int kN = 1000, kLoops = 400;
  std::vector<std::atomic<int>> a(kN), b(kN);
  auto caller = [&pool](std::vector<std::atomic<int>>& hits) {
    for (int r = 0; r < kLoops; ++r)
      pool.parallel_for(kN, 7, [&](int64_t lo, int64_t hi) {
        for (int64_t i = lo; i < hi; ++i) hits[size_t(i)].fetch_add(1, std::memory_order_relaxed);
      });
  };
  std::thread t1(caller, std::ref(a)), t2(caller, std::ref(b));
  t1.join();
  t2.join();
  for (int i = 0; i < kN; ++i) {
    INFO(i);
    REQUIRE(a[size_t(i)].load() == kLoops);
    REQUIRE(b[size_t(i)].load() == kLoops);
  }
}
