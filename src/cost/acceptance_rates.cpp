// acceptance_from_rates: per-position acceptance from tokens per iteration at several γ
// (llama.cpp reports totals only; see acceptance.hpp).
#include <algorithm>

#include "hetspec/cost/acceptance.hpp"

namespace hetspec {

std::vector<double> acceptance_from_rates(std::vector<IterationRate> rates) {
  rates.erase(std::remove_if(rates.begin(), rates.end(), [](const IterationRate& r) { return r.gamma <= 0; }), rates.end());
  if (rates.empty()) return {};
  std::stable_sort(rates.begin(), rates.end(), [](const auto& a, const auto& b) { return a.gamma < b.gamma; });
  constexpr double kFloor = 0.02;
  std::vector<double> alpha;  // alpha[i-1] = α_i, filled up to the last measured γ
  for (const IterationRate& m : rates) {
    const int from = int(alpha.size());  // positions from+1..gamma get one rate
    if (m.gamma <= from) continue;       // a repeated γ: the first measurement counts
    auto with = [&](double r) {
      std::vector<double> a = alpha;
      a.resize(size_t(m.gamma), r);
      return tokens_per_iteration(a, m.gamma, m.emitted);
    };
    double lo = kFloor, hi = 1.0;
    if (with(lo) >= m.tokens_per_iter) {
      hi = lo;
    } else if (with(hi) <= m.tokens_per_iter) {
      lo = hi;
    } else {
      for (int it = 0; it < 60; ++it) {  // tokens per iteration grows with r
        const double mid = 0.5 * (lo + hi);
        (with(mid) < m.tokens_per_iter ? lo : hi) = mid;
      }
    }
    alpha.resize(size_t(m.gamma), 0.5 * (lo + hi));
  }
  return alpha;
}

}  // namespace hetspec
