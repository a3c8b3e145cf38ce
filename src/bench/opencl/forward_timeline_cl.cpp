#include "hetspec/bench/forward_timeline.hpp"

#include <algorithm>
#include <chrono>
#include <map>

#include "hetspec/engine/opencl/runtime.hpp"
#include "hetspec/engine/runner/device_registry.hpp"

namespace hetspec::bench {

namespace {
double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
}  // namespace

ForwardTimeline time_forward_kernels(DeviceRegistry& reg, int cl_index, int steps, const std::function<void()>& step) {
  ocl::Device& dev = reg.cl(cl_index);
  ForwardTimeline t;
  t.device = "cl:" + std::to_string(cl_index);
  t.steps = steps;
  std::vector<double> busy, span, wall, count;
  std::map<std::string, std::vector<double>> each;                 // every launch's duration (us)
  std::map<std::string, std::vector<double>> total;                // per step
  dev.take_kernel_times();                                         // nothing left over from before
  for (int i = 0; i < steps; ++i) {
    dev.set_profiling(true);
    const auto t0 = std::chrono::steady_clock::now();
    step();
    wall.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    dev.set_profiling(false);
    const std::vector<ocl::KernelTime> ks = dev.take_kernel_times();
    double b = 0, first = 1e300, last = 0;
    std::map<std::string, double> mine;
    for (const auto& k : ks) {
      b += k.seconds;
      first = std::min(first, k.start);
      last = std::max(last, k.end);
      each[k.name].push_back(k.seconds * 1e6);
      mine[k.name] += k.seconds * 1e6;
    }
    for (auto& [n, us] : mine) total[n].push_back(us);
    busy.push_back(b * 1e6);
    span.push_back(ks.empty() ? 0 : (last - first) * 1e6);
    count.push_back(double(ks.size()));
  }
  t.launches = median(count);
  t.busy_us = median(busy);
  t.span_us = median(span);
  t.wall_us = median(wall);
  for (auto& [n, v] : each) {
    TimelineKernel k;
    k.name = n;
    k.per_token = double(v.size()) / std::max(1, steps);
    k.median_us = median(v);
    std::vector<double> tot = total[n];
    tot.resize(size_t(steps), 0.0);  // a step without this kernel counts 0
    k.us_per_token = median(tot);
    t.kernels.push_back(k);
  }
  std::sort(t.kernels.begin(), t.kernels.end(), [](const auto& a, const auto& b) { return a.us_per_token > b.us_per_token; });
  return t;
}

}  // namespace hetspec::bench
