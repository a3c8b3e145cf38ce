#include "hetspec/bench/measure.hpp"

#include <algorithm>
#include <cmath>

namespace hetspec::bench {

Measurement summarize(std::vector<double> s) {
  Measurement r;
  r.reps = static_cast<int>(s.size());
  if (s.empty()) return r;
  auto med = [](std::vector<double>& v) {
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  };
  r.median = med(s);
  std::vector<double> dev;
  for (double x : s) dev.push_back(std::fabs(x - r.median));
  r.cv = r.median > 0 ? 1.4826 * med(dev) / r.median : 0;
  return r;
}

namespace {
Measurement run_once(const std::function<double()>& sample, const MeasureOptions& opt) {
  for (int i = 0; i < opt.warmup; ++i) sample();
  std::vector<double> s;
  auto t0 = Clock::now();
  Measurement m;
  while (true) {
    s.push_back(sample());
    int n = static_cast<int>(s.size());
    if (n < opt.min_reps) continue;
    m = summarize(s);
    if (m.cv <= opt.target_cv || n >= opt.max_reps || seconds_since(t0) >= opt.max_seconds) break;
  }
  return m;
}
}  // namespace

Measurement measure(const std::function<double()>& sample, const MeasureOptions& opt) {
  Measurement m = run_once(sample, opt);
  if (opt.remeasure_noisy && m.cv > 2 * opt.target_cv) {
    MeasureOptions again = opt;
    again.warmup = 1;
    Measurement m2 = run_once(sample, again);
    if (m2.cv < m.cv) m = m2;
  }
  return m;
}

}  // namespace hetspec::bench
