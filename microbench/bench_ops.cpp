// The non-matmul ops of a decode step, per path: RMSNorm and silu·up over model widths, softmax,
// and attention over an f16 KV cache at growing context (q·k scores + softmax + weighted values for
// one query head), which is the t(attn, m, n) term of the cost model. Indicative only on a shared box.
//   ./build/bench_ops --benchmark_min_time=0.05
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "hetspec/core/fp16.hpp"
#include "hetspec/engine/cpu/ops.hpp"

using namespace hetspec;

namespace {

std::vector<float> rnd(int64_t n) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

void BM_rmsnorm(benchmark::State& st, CpuPath p) {
  const int64_t d = st.range(0);
  const CpuOps& o = cpu_ops(p);
  std::vector<float> x = rnd(d), w = rnd(d), y(d);
  for (auto _ : st) {
    o.rmsnorm(x.data(), w.data(), y.data(), 1, d, 1e-5f);
    benchmark::DoNotOptimize(y.data());
  }
  st.SetItemsProcessed(st.iterations() * d);
}

void BM_silu_mul(benchmark::State& st, CpuPath p) {
  const int64_t n = st.range(0);
  const CpuOps& o = cpu_ops(p);
  std::vector<float> g = rnd(n), u = rnd(n), y(n);
  for (auto _ : st) {
    o.silu_mul(g.data(), u.data(), y.data(), n);
    benchmark::DoNotOptimize(y.data());
  }
  st.SetItemsProcessed(st.iterations() * n);
}

// One query head of dim 64 against n cached keys/values (rows of 3 kv heads, as SmolLM2).
void BM_attention_head(benchmark::State& st, CpuPath p) {
  const int64_t n = st.range(0), hd = 64, stride = 3 * hd;
  const CpuOps& o = cpu_ops(p);
  std::vector<float> kf = rnd(n * stride), q = rnd(hd), s(n), out(hd);
  std::vector<uint16_t> k(n * stride), v(n * stride);
  for (int64_t i = 0; i < n * stride; ++i) k[i] = v[i] = fp32_to_fp16(kf[i]);
  for (auto _ : st) {
    o.attn_scores_f16(q.data(), k.data(), stride, n, hd, 0.125f, s.data());
    o.softmax(s.data(), n);
    o.attn_values_f16(s.data(), v.data(), stride, n, hd, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  st.SetBytesProcessed(st.iterations() * n * hd * 2 * 2);  // k and v rows read
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  for (CpuPath p : supported_cpu_paths()) {
    const std::string n = cpu_path_name(p);
    benchmark::RegisterBenchmark(("rmsnorm/" + n).c_str(), BM_rmsnorm, p)->Arg(576)->Arg(2048);
    benchmark::RegisterBenchmark(("silu_mul/" + n).c_str(), BM_silu_mul, p)->Arg(1536)->Arg(8192);
    benchmark::RegisterBenchmark(("attention_head64/" + n).c_str(), BM_attention_head, p)
        ->Arg(128)->Arg(512)->Arg(2048)->Arg(8192);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
