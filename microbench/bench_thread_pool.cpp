// Per-dispatch overhead of the CPU thread pool (decode issues ~200 parallel loops per token):
// an empty parallel_for, and one over a tiny amount of work, at 1..N threads. Indicative only on a
// shared machine: a descheduled worker shows up as a slow dispatch.
#include <benchmark/benchmark.h>

#include <atomic>
#include <vector>

#include "hetspec/engine/cpu/thread_pool.hpp"

using hetspec::ThreadPool;

static void BM_dispatch_empty(benchmark::State& st) {
  ThreadPool pool(static_cast<int>(st.range(0)));
  std::atomic<int64_t> sink{0};
  for (auto _ : st) pool.parallel_for(64, 1, [&](int64_t b, int64_t e) { sink.fetch_add(e - b, std::memory_order_relaxed); });
  benchmark::DoNotOptimize(sink.load());
}
BENCHMARK(BM_dispatch_empty)->Arg(1)->Arg(2)->Arg(4)->UseRealTime();

static void BM_dispatch_small_work(benchmark::State& st) {
  ThreadPool pool(static_cast<int>(st.range(0)));
  std::vector<float> v(1 << 14, 1.0f);
  for (auto _ : st) {
    pool.parallel_for(static_cast<int64_t>(v.size()), 1024, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) v[i] = v[i] * 0.5f + 0.5f;
    });
    benchmark::DoNotOptimize(v.data());
  }
}
BENCHMARK(BM_dispatch_small_work)->Arg(1)->Arg(2)->UseRealTime();

// One chunk per thread of trivial work: what a matmul dispatch of a decode step pays for its
// synchronisation alone (the hand-off to the worker and the wait for its chunk).
static void BM_dispatch_chunk_per_thread(benchmark::State& st) {
  const int threads = static_cast<int>(st.range(0));
  ThreadPool pool(threads);
  std::atomic<int64_t> sink{0};
  for (auto _ : st) pool.parallel_for(threads, 1, [&](int64_t b, int64_t e) { sink.fetch_add(e - b, std::memory_order_relaxed); });
  benchmark::DoNotOptimize(sink.load());
}
BENCHMARK(BM_dispatch_chunk_per_thread)->Arg(1)->Arg(2)->UseRealTime();

BENCHMARK_MAIN();
