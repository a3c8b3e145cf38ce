#include "hetspec/spec/prediction_band.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace hetspec {

std::vector<AcceptCount> prompt_acceptance_counts(const RequestTrace& r, int gamma) {
  std::vector<AcceptCount> c(size_t(std::max(gamma, 0)));
  for (const auto& it : r.iters)
    for (int i = 0; i < it.drafted && i < gamma; ++i) {
      if (it.accepted >= i) c[size_t(i)].reached++;
      if (it.accepted >= i + 1) c[size_t(i)].accepted++;
    }
  return c;
}

std::vector<std::vector<double>> resampled_acceptance(const std::vector<std::vector<AcceptCount>>& per_prompt,
                                                      int samples, uint64_t seed) {
  std::vector<std::vector<double>> out;
  if (per_prompt.empty()) return out;
  size_t width = 0;
  for (const auto& p : per_prompt) width = std::max(width, p.size());
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, per_prompt.size() - 1);
  for (int s = 0; s < samples; ++s) {
    std::vector<AcceptCount> sum(width);
    for (size_t k = 0; k < per_prompt.size(); ++k) {
      const auto& p = per_prompt[pick(rng)];
      for (size_t i = 0; i < p.size(); ++i) {
        sum[i].accepted += p[i].accepted;
        sum[i].reached += p[i].reached;
      }
    }
    std::vector<double> a = pooled_acceptance(sum);
    if (!a.empty()) out.push_back(std::move(a));
  }
  return out;
}

Band percentile_band(std::vector<double> values) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double x) { return !std::isfinite(x); }), values.end());
  if (values.empty()) return {NAN, NAN};
  std::sort(values.begin(), values.end());
  auto q = [&](double f) {
    const double pos = f * double(values.size() - 1);
    const size_t i = size_t(pos);
    const double t = pos - double(i);
    return i + 1 < values.size() ? values[i] * (1 - t) + values[i + 1] * t : values[i];
  };
  return {q(0.025), q(0.975)};
}

}  // namespace hetspec
