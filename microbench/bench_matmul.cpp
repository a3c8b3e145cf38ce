// GEMV / GEMM microbenchmarks for every CPU path and weight dtype over the model shapes the cost
// model needs (SmolLM2-135M, Llama-3.2-1B), m = 1..32 activation rows, 1 and 2 threads, reporting
// weight bytes read per second. A streaming-read peer over a 1 GiB buffer runs in the same binary,
// and every matmul row also reports its bandwidth as a fraction of that (frac_stream).
// "cold" rows cycle through copies of the matrix totalling >= 512 MiB so weights come from DRAM,
// as in a real decode whose weights exceed the last-level cache; "hot" rows reuse one copy (cache).
// Numbers are indicative: the dev machine has 2 shared cores. Default run is short:
//   ./build/bench_matmul --benchmark_min_time=0.05
// Narrow it with e.g. --benchmark_filter='q4_1/.*/m:1/'.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "hetspec/bench/bandwidth.hpp"
#include "hetspec/engine/cpu/matmul.hpp"
#include "hetspec/engine/cpu/quant_blocks.hpp"
#include "hetspec/engine/cpu/repack.hpp"
#include "hetspec/engine/cpu/thread_pool.hpp"

using namespace hetspec;

namespace {

constexpr size_t kStreamBytes = size_t(1) << 30;
constexpr size_t kColdBytes = size_t(512) << 20;
double g_stream_bps = 0;  // measured once in main (1 thread), before the benchmarks

struct Shape { const char* name; int64_t n, k; };
const Shape kShapes[] = {
    {"smollm2_gate", 1536, 576}, {"smollm2_down", 576, 1536}, {"smollm2_head", 49152, 576},
    {"llama1b_up", 8192, 2048}, {"llama1b_down", 2048, 8192},
};

// The streaming read is the profiler's (hetspec/bench/bandwidth.hpp).
using bench::read_sum;

std::vector<uint64_t>& stream_buffer() {
  static std::vector<uint64_t> buf(kStreamBytes / 8, 1);
  return buf;
}

double measure_stream_bps() {
  auto& buf = stream_buffer();
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    auto t0 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(read_sum(buf.data(), buf.size()));
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, kStreamBytes / s);
  }
  return best;
}

void BM_stream_read(benchmark::State& st) {
  const int threads = static_cast<int>(st.range(0));
  ThreadPool pool(threads);
  auto& buf = stream_buffer();
  for (auto _ : st) {
    std::vector<uint64_t> part(threads * 8, 0);
    const int64_t chunk = static_cast<int64_t>(buf.size()) / threads;
    pool.parallel_for(threads, 1, [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t) part[t * 8] = read_sum(buf.data() + t * chunk, chunk);
    });
    benchmark::DoNotOptimize(part.data());
  }
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations()) * kStreamBytes);
}

void BM_memcpy(benchmark::State& st) {
  static std::vector<char> dst(kStreamBytes / 2);
  const char* src = reinterpret_cast<const char*>(stream_buffer().data());
  for (auto _ : st) {
    std::memcpy(dst.data(), src, dst.size());
    benchmark::ClobberMemory();
  }
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations()) * dst.size() * 2);  // read + write
}

struct Weights {
  std::vector<uint8_t> bytes;
  int64_t copies = 1;
  size_t matrix_bytes = 0;
  RowLayout layout = RowLayout::Plain;
};

// x8: every copy in the X8 layout (cpu/repack.hpp), as the engine holds CPU weights.
Weights make_weights(DType t, int64_t n, int64_t k, bool cold, bool x8 = false) {
  Weights w;
  w.matrix_bytes = row_bytes(t, k) * n;
  w.copies = cold ? std::max<int64_t>(1, (kColdBytes + w.matrix_bytes - 1) / w.matrix_bytes) : 1;
  w.bytes.resize(w.matrix_bytes * w.copies);
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> row(k);
  for (int64_t r = 0; r < n; ++r) {
    for (auto& v : row) v = u(rng);
    quantize_row_ref(t, row.data(), w.bytes.data() + r * row_bytes(t, k), k);
  }
  if (x8) {
    std::vector<uint8_t> packed;
    repack_x8(WeightView{w.bytes.data(), t, n, k}, packed);
    std::memcpy(w.bytes.data(), packed.data(), w.matrix_bytes);
    w.layout = RowLayout::X8;
  }
  for (int64_t c = 1; c < w.copies; ++c) std::memcpy(w.bytes.data() + c * w.matrix_bytes, w.bytes.data(), w.matrix_bytes);
  return w;
}

// One cached matrix (benchmarks are registered so those sharing a matrix run back to back).
const Weights& cached_weights(DType t, int64_t n, int64_t k, bool cold, bool x8) {
  struct Key { DType t; int64_t n, k; bool cold, x8; };
  static Key key{DType::F32, -1, -1, false, false};
  static Weights w;
  if (key.t != t || key.n != n || key.k != k || key.cold != cold || key.x8 != x8) {
    w = Weights{};
    w = make_weights(t, n, k, cold, x8);
    key = {t, n, k, cold, x8};
  }
  return w;
}

void BM_matmul(benchmark::State& st, CpuPath path, DType t, Shape s, int64_t m, int threads, bool cold, bool x8) {
  const Weights& w = cached_weights(t, s.n, s.k, cold, x8);
  std::vector<float> x(m * s.k), y(m * s.n);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (auto& v : x) v = u(rng);
  std::unique_ptr<ThreadPool> pool = threads > 1 ? std::make_unique<ThreadPool>(threads) : nullptr;
  int64_t c = 0;
  for (auto _ : st) {
    WeightView v{w.bytes.data() + c * w.matrix_bytes, t, s.n, s.k, w.layout};
    matmul_path(path, v, x.data(), y.data(), m, pool.get());
    benchmark::DoNotOptimize(y.data());
    c = (c + 1) % w.copies;
  }
  const double bytes = static_cast<double>(st.iterations()) * w.matrix_bytes;
  st.SetBytesProcessed(static_cast<int64_t>(bytes));
  st.counters["weight_GBps"] = benchmark::Counter(bytes / 1e9, benchmark::Counter::kIsRate);
  st.counters["frac_stream"] = benchmark::Counter(g_stream_bps > 0 ? bytes / g_stream_bps : 0, benchmark::Counter::kIsRate);
  st.counters["GFLOPs"] = benchmark::Counter(2.0 * st.iterations() * m * s.n * s.k / 1e9, benchmark::Counter::kIsRate);
}

// The matmuls of one SmolLM2-135M decode step (30 layers of Q4_1 q/k/v/o/gate/up/down, Q8_0 tied
// head), weights in separate buffers (~96 MB, more than this machine's L3) as in a real model, with
// Q/K/V and gate/up each issued as one matmul_many. Per-token matmul time to compare with a whole
// llama.cpp decode step (which also does attention, norms and sampling).
void BM_decode_smollm2(benchmark::State& st, CpuPath path, bool x8) {
  const int threads = static_cast<int>(st.range(0));
  const int64_t d = 576, kv = 192, f = 1536, vocab = 49152, layers = 30;
  struct Layer { Weights q, k, v, o, gate, up, down; };
  static std::vector<Layer> Ls[2];
  static Weights heads[2];
  std::vector<Layer>& L = Ls[x8];
  Weights& head = heads[x8];
  if (L.empty()) {
    Layer first{make_weights(DType::Q4_1, d, d, false, x8), make_weights(DType::Q4_1, kv, d, false, x8),
                make_weights(DType::Q4_1, kv, d, false, x8), make_weights(DType::Q4_1, d, d, false, x8),
                make_weights(DType::Q4_1, f, d, false, x8), make_weights(DType::Q4_1, f, d, false, x8),
                make_weights(DType::Q4_1, d, f, false, x8)};
    for (int l = 0; l < layers; ++l) L.push_back(first);  // copies: distinct memory per layer
    head = make_weights(DType::Q8_0, vocab, d, false, x8);
  }
  std::unique_ptr<ThreadPool> pool = threads > 1 ? std::make_unique<ThreadPool>(threads) : nullptr;
  std::vector<float> x(d, 0.1f), q(d), k(kv), v(kv), o(d), g(f), u(f), logits(vocab);
  auto view = [](const Weights& w, DType t, int64_t n, int64_t kk) { return WeightView{w.bytes.data(), t, n, kk, w.layout}; };
  size_t bytes = head.matrix_bytes;
  for (const Layer& l : L)
    bytes += l.q.matrix_bytes + l.k.matrix_bytes + l.v.matrix_bytes + l.o.matrix_bytes + l.gate.matrix_bytes +
             l.up.matrix_bytes + l.down.matrix_bytes;
  for (auto _ : st) {
    for (const Layer& l : L) {
      const WeightView qkv[3] = {view(l.q, DType::Q4_1, d, d), view(l.k, DType::Q4_1, kv, d), view(l.v, DType::Q4_1, kv, d)};
      float* qkv_out[3] = {q.data(), k.data(), v.data()};
      matmul_many_path(path, qkv, qkv_out, 3, x.data(), 1, pool.get());
      matmul_path(path, view(l.o, DType::Q4_1, d, d), q.data(), o.data(), 1, pool.get());
      const WeightView gu[2] = {view(l.gate, DType::Q4_1, f, d), view(l.up, DType::Q4_1, f, d)};
      float* gu_out[2] = {g.data(), u.data()};
      matmul_many_path(path, gu, gu_out, 2, o.data(), 1, pool.get());
      matmul_path(path, view(l.down, DType::Q4_1, d, f), g.data(), x.data(), 1, pool.get());
      for (auto& e : x) e = 0.1f;  // keep activations bounded
    }
    matmul_path(path, view(head, DType::Q8_0, vocab, d), x.data(), logits.data(), 1, pool.get());
    benchmark::DoNotOptimize(logits.data());
  }
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * bytes));
  st.counters["tok_per_s"] = benchmark::Counter(static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
  st.counters["frac_stream"] = benchmark::Counter(g_stream_bps > 0 ? st.iterations() * bytes / g_stream_bps : 0,
                                                  benchmark::Counter::kIsRate);
}

void register_all() {
  for (CpuPath p : supported_cpu_paths()) {
    if (p == CpuPath::Scalar) continue;  // ~30x slower; run matmul/scalar rows instead
    for (bool x8 : {false, true}) {
      if (x8 && p != CpuPath::AVX2 && p != CpuPath::AVX512) continue;  // no X8 kernels there
      benchmark::RegisterBenchmark(
          (std::string("decode_matmuls/smollm2_135m_q4_1/") + cpu_path_name(p) + (x8 ? "-x8" : "")).c_str(),
          BM_decode_smollm2, p, x8)
          ->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
    }
  }
  benchmark::RegisterBenchmark("stream_read_1GiB", BM_stream_read)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("memcpy_512MiB", BM_memcpy)->UseRealTime()->Unit(benchmark::kMillisecond);
  const CpuPath best = best_cpu_path();
  for (CpuPath p : supported_cpu_paths()) {
    const bool is_best = p == best;
    std::vector<DType> types = {DType::Q4_1, DType::Q8_0};
    if (is_best) types = {DType::Q4_1, DType::Q8_0, DType::Q4_0, DType::F16, DType::BF16, DType::F32};
    for (DType t : types) {
      for (const Shape& s : kShapes) {
        std::vector<int64_t> ms = {1, 2, 3, 4, 5, 6, 8, 16, 32};
        if (!is_best) ms = {1, 8};
        for (bool cold : {false, true}) {
          for (int64_t m : ms) {
            for (int threads : {1, 2}) {
              if (!is_best && threads == 2) continue;
              if (cold && !(m == 1 || m == 8)) continue;
              for (bool x8 : {false, true}) {
                if (x8 && !(x8_supported(t) && (p == CpuPath::AVX2 || p == CpuPath::AVX512))) continue;
                std::string name = std::string("matmul/") + cpu_path_name(p) + (x8 ? "-x8/" : "/") + dtype_name(t) +
                                   "/" + s.name + "/m:" + std::to_string(m) + "/threads:" + std::to_string(threads) +
                                   (cold ? "/cold" : "/hot");
                benchmark::RegisterBenchmark(name.c_str(), BM_matmul, p, t, s, m, threads, cold, x8)
                    ->UseRealTime()->Unit(benchmark::kMicrosecond);
              }
            }
          }
        }
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  g_stream_bps = measure_stream_bps();
  benchmark::AddCustomContext("stream_read_GBps_1thread", std::to_string(g_stream_bps / 1e9));
  benchmark::AddCustomContext("cpu_path_best", cpu_path_name(best_cpu_path()));
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
