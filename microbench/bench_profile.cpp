// The profiler's own routines (hetspec/bench/) under Google Benchmark, so their figures can be
// compared with bench_matmul's and tracked as JSON: read bandwidth at a working-set size and one
// matmul-table point (weights cycled past the cache) per shape, m and thread count; the host's
// sampling cost per vocabulary entry (argmax as greedy verification runs it; a softmax as sampling does).
//   ./build/bench_profile --benchmark_min_time=0.1 --benchmark_format=json
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "hetspec/bench/bandwidth.hpp"
#include "hetspec/bench/gemm.hpp"
#include "hetspec/bench/host.hpp"
#include "hetspec/engine/cpu/quant_blocks.hpp"
#include "hetspec/engine/cpu/thread_pool.hpp"

using namespace hetspec;

namespace {

void BM_read_bandwidth(benchmark::State& st) {
  const size_t bytes = size_t(st.range(0)) << 10;
  std::unique_ptr<ThreadPool> pool(st.range(1) > 1 ? new ThreadPool(int(st.range(1))) : nullptr);
  std::vector<uint64_t> buf(bytes / 8, 1);
  for (auto _ : st) st.SetIterationTime(bench::read_pass_seconds(buf.data(), bytes, pool.get()));
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(bytes));
}

void BM_gemm_table_point(benchmark::State& st) {
  const int64_t n = st.range(0), k = st.range(1);
  const int m = int(st.range(2)), threads = int(st.range(3));
  std::vector<float> src(size_t(k), 0.25f);
  std::vector<uint8_t> w(row_bytes(DType::Q4_1, size_t(k)) * size_t(n));
  for (int64_t r = 0; r < n; ++r) quantize_row_ref(DType::Q4_1, src.data(), w.data() + r * row_bytes(DType::Q4_1, size_t(k)), k);
  WeightView v{w.data(), DType::Q4_1, n, k};
  std::unique_ptr<ThreadPool> pool(threads > 1 ? new ThreadPool(threads) : nullptr);
  bench::MeasureOptions opt;
  opt.max_seconds = 0.05;
  const double set = std::max(64.0 * (1 << 20), 2 * bench::last_level_cache_bytes());
  for (auto _ : st) {
    KernelTable t = bench::bench_cpu_gemm(v, {m}, threads, pool.get(), set, opt);
    st.SetIterationTime(t.us[0] * 1e-6);
    st.counters["cv"] = t.cv[0];
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(w.size()));
}

void BM_sampling(benchmark::State& st) {
  bench::MeasureOptions opt;
  opt.max_seconds = 0.2;
  for (auto _ : st) {
    bench::SamplingCost c = bench::bench_sampling(st.range(0), opt);
    st.counters["greedy_ns_per_entry"] = c.greedy_ns_per_vocab;
    st.counters["softmax_ns_per_entry"] = c.softmax_ns_per_vocab;
  }
}

}  // namespace

BENCHMARK(BM_sampling)->Arg(49152)->Arg(128256)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_read_bandwidth)->ArgsProduct({{16, 1024, 16384, 262144, 1048576}, {1, 2}})->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_gemm_table_point)
    ->ArgsProduct({{1536}, {576}, {1, 4, 16}, {1, 2}})
    ->ArgsProduct({{8192}, {2048}, {1, 4, 16}, {1, 2}})
    ->UseManualTime()
    ->Iterations(3)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
