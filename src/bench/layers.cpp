#include "hetspec/bench/layers.hpp"

#include <algorithm>
#include <cstring>
#include <random>

#include "hetspec/engine/cpu_forward.hpp"

namespace hetspec::bench {

void set_layer_keys(LayerProfile& lp, const ModelSpec& s, int threads, const std::vector<int>& ms,
                    const std::vector<int>& ns) {
  lp.attention.n_heads = s.n_heads;
  lp.attention.n_kv_heads = s.n_kv_heads;
  lp.attention.head_dim = s.head_dim;
  lp.attention.threads = threads;
  lp.attention.m = ms;
  lp.attention.n = ns;
  lp.attention.us.assign(ms.size(), std::vector<double>(ns.size(), 0.0));
  lp.elementwise.d_model = s.d_model;
  lp.elementwise.ffn_dim = s.ffn_dim;
  lp.elementwise.threads = threads;
  lp.elementwise.m = ms;
  lp.elementwise.us.assign(ms.size(), 0.0);
}

LayerProfile bench_cpu_layers(const ModelWeights& w, int threads, ThreadPool* pool, const std::vector<int>& ms,
                              const std::vector<int>& ns, const MeasureOptions& opt) {
  const ModelSpec& s = w.spec;
  const int L = s.n_layers;
  const int max_m = *std::max_element(ms.begin(), ms.end());
  const int max_n = *std::max_element(ns.begin(), ns.end());
  LayerProfile lp;
  set_layer_keys(lp, s, threads, ms, ns);
  CpuForward fw(w, std::max(64, max_m), pool);
  KvCache kv = fw.make_cache(max_n + max_m);
  for (int l = 0; l < L; ++l) {  // zeros: valid f16, no denormal or NaN slow paths
    std::memset(kv.k(l), 0, size_t(kv.capacity()) * size_t(kv.kv_dim()) * 2);
    std::memset(kv.v(l), 0, size_t(kv.capacity()) * size_t(kv.kv_dim()) * 2);
  }
  std::vector<float> x0(size_t(max_m) * size_t(s.d_model)), x(x0.size());  // (max_m, d)
  std::mt19937 rng(3);
  std::normal_distribution<float> g(0, 1);
  for (auto& v : x0) v = g(rng);
  StageTimes st;
  fw.set_stage_times(&st);
  std::vector<std::vector<double>> ew(ms.size());
  for (size_t j = 0; j < ns.size(); ++j)
    for (size_t i = 0; i < ms.size(); ++i) {
      const int m = ms[i], n = ns[j];
      std::vector<double> ew_samples;
      Measurement a = measure(
          [&] {
            std::copy(x0.begin(), x0.end(), x.begin());
            for (int l = 0; l < L; ++l) kv.set_length(l, n);
            st = StageTimes{};
            fw.run_layers(x.data(), m, n, 0, L, kv);  // (m, d)
            ew_samples.push_back(st.elementwise_s / L * 1e6);
            (m == 1 ? lp.launches_per_layer : lp.launches_per_layer_batch) = int(st.dispatches / L);
            return st.attention_s / L * 1e6;
          },
          opt);
      lp.attention.us[i][j] = a.median;
      ew[i].push_back(summarize(ew_samples).median);
    }
  for (size_t i = 0; i < ms.size(); ++i) lp.elementwise.us[i] = summarize(ew[i]).median;
  fw.set_stage_times(nullptr);
  return lp;
}

}  // namespace hetspec::bench
