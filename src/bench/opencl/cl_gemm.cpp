// OpenCL matmul tables: each timed launch reads the next copy of the weight (copies together
// >= set_bytes); `us` is the kernel's own time (profiling events) inside a stream of launches,
// `wall_us` launch + clFinish of one call alone.
#include <algorithm>
#include <cmath>
#include <random>

#include "hetspec/bench/cl_profile.hpp"
#include "hetspec/engine/opencl/ops.hpp"

namespace hetspec::bench {

KernelTable bench_cl_gemm(ocl::Device& dev, const WeightView& w, const std::vector<int>& ms, double set_bytes,
                          const MeasureOptions& opt, int gemv_max_m) {
  const double bytes = double(row_bytes(w.dtype, size_t(w.cols))) * double(w.rows);
  const int copies = std::max(1, int(std::ceil(set_bytes / bytes)));
  std::vector<ocl::ClWeight> ws;
  for (int i = 0; i < copies; ++i) ws.push_back(ocl::upload_weight(dev, w, "bench weight"));
  const int max_m = *std::max_element(ms.begin(), ms.end());
  std::vector<float> xh(size_t(max_m) * size_t(w.cols));  // (max_m, k)
  std::mt19937 rng(1);
  std::normal_distribution<float> g(0, 1);
  for (auto& v : xh) v = g(rng);
  ocl::Buffer x = ocl::upload_f32(dev, xh.data(), xh.size());
  ocl::Buffer y(dev, size_t(max_m) * size_t(w.rows) * 4);  // (max_m, n)
  ocl::prepare_matmul(dev, ws[0]);
  for (auto& cw : ws) ocl::matmul(dev, cw, x, y, 1);  // compile + touch every copy
  dev.finish();
  KernelTable t;
  t.k = w.cols;
  t.n = w.rows;
  t.dtype = w.dtype;
  t.threads = 1;
  t.set_bytes = bytes * copies;
  size_t at = 0;
  for (int m : ms) {
    // Kernel time as a forward sees it: a stream of launches (the device's workers stay awake),
    // each on the next copy; the first of each batch is dropped.
    constexpr int kBatch = 6;
    Measurement k = measure(
        [&] {
          dev.set_profiling(true);
          for (int b = 0; b < kBatch; ++b) ocl::matmul(dev, ws[at++ % ws.size()], x, y, m, gemv_max_m);  // (m, n)
          dev.finish();
          auto times = dev.take_kernel_times();
          dev.set_profiling(false);
          double s = 0;
          for (size_t i = 1; i < times.size(); ++i) s += times[i].seconds;
          return s * 1e6 / double(std::max<size_t>(1, times.size() - 1));
        },
        opt);
    // Launch + wait of one call alone.
    std::vector<double> wall;
    for (int r = 0; r < std::max(3, opt.min_reps); ++r) {
      auto t0 = Clock::now();
      ocl::matmul(dev, ws[at++ % ws.size()], x, y, m, gemv_max_m);
      dev.finish();
      wall.push_back(us_since(t0));
    }
    t.m.push_back(m);
    t.us.push_back(std::max(k.median, 1e-3));
    t.wall_us.push_back(summarize(wall).median);
    t.cv.push_back(k.cv);
  }
  return t;
}

}  // namespace hetspec::bench
