// Per-layer attention / element-wise kernel times on an OpenCL device from a real multi-layer pass
// (ClForward without embedding or head), grouped by kernel name; the launch count per layer and the
// per-launch gap (pass wall time not covered by kernel time) come from the same pass.
#include <algorithm>
#include <random>
#include <string>

#include "hetspec/bench/cl_profile.hpp"
#include "hetspec/engine/opencl/cl_forward.hpp"

namespace hetspec::bench {

namespace {
enum class Kind { Matmul, Attention, Elementwise };
Kind kind_of(const std::string& name) {
  if (name == "gemv" || name == "gemm") return Kind::Matmul;
  if (name == "attention") return Kind::Attention;
  return Kind::Elementwise;  // rmsnorm, rope_table, kv_append, add_inplace, add_rows, swiglu, ...
}
}  // namespace

LayerProfile bench_cl_layers(ocl::Device& dev, const ModelWeights& w, const std::vector<int>& ms,
                             const std::vector<int>& ns, const MeasureOptions& opt) {
  const ModelSpec& s = w.spec;
  const int L = s.n_layers;
  const int max_m = *std::max_element(ms.begin(), ms.end());
  const int max_n = *std::max_element(ns.begin(), ns.end());
  LayerProfile lp;
  set_layer_keys(lp, s, 1, ms, ns);
  ocl::ClForwardOptions fo;
  fo.embed = false;
  fo.head = false;
  fo.max_batch = std::max(64, max_m);
  fo.capacity = max_n + max_m;
  ocl::ClForward fw(dev, w, fo);
  std::vector<float> x(size_t(max_m) * size_t(s.d_model));  // (max_m, d)
  std::mt19937 rng(3);
  std::normal_distribution<float> g(0, 1);
  for (auto& v : x) v = g(rng);
  std::vector<std::vector<double>> ew(ms.size());
  std::vector<double> gaps;
  std::vector<int> launches(ms.size(), 0);  // per layer, counted at each m
  for (size_t j = 0; j < ns.size(); ++j)
    for (size_t i = 0; i < ms.size(); ++i) {
      const int m = ms[i], n = ns[j];
      std::vector<double> ew_samples;
      Measurement a = measure(
          [&] {
            fw.truncate(0);
            fw.kv().advance(n);
            fw.upload_hidden(x.data(), m);
            dev.set_profiling(true);
            auto t0 = Clock::now();
            fw.run_layers(m, n);
            dev.finish();
            double wall = us_since(t0);
            double by[3] = {0, 0, 0};
            auto times = dev.take_kernel_times();
            dev.set_profiling(false);
            for (auto& kt : times) by[int(kind_of(kt.name))] += kt.seconds * 1e6;
            launches[i] = int(times.size()) / L;
            gaps.push_back(std::max(0.0, wall - by[0] - by[1] - by[2]) / double(std::max<size_t>(1, times.size())));
            ew_samples.push_back(by[2] / L);
            return by[1] / L;
          },
          opt);
      lp.attention.us[i][j] = std::max(a.median, 1e-3);
      ew[i].push_back(summarize(ew_samples).median);
    }
  for (size_t i = 0; i < ms.size(); ++i) lp.elementwise.us[i] = std::max(summarize(ew[i]).median, 1e-3);
  // The one-token count up to the tuning's fold limits (ocl::fold_batch_limit), the batch count past them.
  for (size_t i = 0; i < ms.size(); ++i) {
    if (ms[i] == 1) lp.launches_per_layer = launches[i];
    else if (ms[i] > fw.fold_max_m()) lp.launches_per_layer_batch = launches[i];
  }
  if (dev.tuning().fuse_inputs) {
    lp.fold_max_m = dev.tuning().fuse_inputs_max_m;
    lp.fold_max_mk = int(std::min<int64_t>(dev.tuning().fuse_inputs_max_mk, 1 << 30));
  }
  // How the matmuls batch tokens (ocl::matmul): GEMVs up to the GEMV limits, then GEMM tiles.
  lp.gemm_m_tile = std::max(1, dev.tuning().gemm_tm);
  lp.gemv_max_m = std::max(1, dev.tuning().gemv_max_m);
  lp.gemv_max_mk = int(std::min<int64_t>(dev.tuning().gemv_max_mk, 1 << 30));
  lp.launch_gap_us = summarize(gaps).median;
  return lp;
}

}  // namespace hetspec::bench
