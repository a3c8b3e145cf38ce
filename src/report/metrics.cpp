#include "hetspec/report/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace hetspec {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

ErrorStats error_stats(const std::vector<double>& predicted, const std::vector<double>& measured) {
  ErrorStats s;
  std::vector<double> ape;
  for (size_t i = 0; i < predicted.size() && i < measured.size(); ++i)
    if (measured[i] != 0 && std::isfinite(predicted[i]) && std::isfinite(measured[i]))
      ape.push_back(std::fabs(predicted[i] - measured[i]) / std::fabs(measured[i]));
  s.n = int(ape.size());
  if (ape.empty()) return s;
  s.median_ape = median(ape);
  s.mean_ape = std::accumulate(ape.begin(), ape.end(), 0.0) / double(ape.size());
  s.max_ape = *std::max_element(ape.begin(), ape.end());
  return s;
}

namespace {
std::vector<double> ranks(const std::vector<double>& v) {
  std::vector<size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < idx.size();) {
    size_t j = i;
    while (j + 1 < idx.size() && v[idx[j + 1]] == v[idx[i]]) ++j;
    const double avg = 0.5 * double(i + j) + 1;
    for (size_t k = i; k <= j; ++k) r[idx[k]] = avg;
    i = j + 1;
  }
  return r;
}
}  // namespace

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  const size_t n = std::min(a.size(), b.size());
  if (n < 2) return 0;
  auto ra = ranks(std::vector<double>(a.begin(), a.begin() + long(n)));
  auto rb = ranks(std::vector<double>(b.begin(), b.begin() + long(n)));
  const double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / double(n);
  const double mb = std::accumulate(rb.begin(), rb.end(), 0.0) / double(n);
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < n; ++i) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) * (ra[i] - ma);
    sbb += (rb[i] - mb) * (rb[i] - mb);
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0;
}

double regret(const std::vector<double>& predicted, const std::vector<double>& measured) {
  const size_t n = std::min(predicted.size(), measured.size());
  if (n == 0) return 0;
  size_t pb = 0, mb = 0;
  for (size_t i = 1; i < n; ++i) {
    if (predicted[i] > predicted[pb]) pb = i;
    if (measured[i] > measured[mb]) mb = i;
  }
  return measured[mb] > 0 ? 1.0 - measured[pb] / measured[mb] : 0;
}

}  // namespace hetspec
