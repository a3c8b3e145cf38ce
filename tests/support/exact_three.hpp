// The exact distribution of the next three tokens under a target's filtered sampler, by enumeration
// over every token with nonzero probability: the reference that the chi-square tests of stochastic
// speculative decoding compare sampled outputs against (tiny random models only: V^3 forwards worst case).
#pragma once
#include <map>
#include <vector>

#include "hetspec/engine/runner/runner.hpp"
#include "hetspec/engine/sampler.hpp"

namespace hetspec::test {

inline std::map<std::vector<int32_t>, double> exact_three(Runner& t, const std::vector<int32_t>& prompt,
                                                          const SamplerParams& sp) {
  Sampler s(sp);
  std::map<std::vector<int32_t>, double> out;
  std::vector<float> p1, p2, p3;
  const int64_t V = t.spec().vocab;
  const int P = int(prompt.size());
  t.truncate(0);
  s.probabilities(t.forward(prompt.data(), P, 0, 1), V, p1);
  for (int32_t a = 0; a < V; ++a) {
    if (p1[size_t(a)] <= 0) continue;
    s.probabilities(t.forward(&a, 1, P, 1), V, p2);
    for (int32_t b = 0; b < V; ++b) {
      if (p2[size_t(b)] <= 0) continue;
      s.probabilities(t.forward(&b, 1, P + 1, 1), V, p3);
      for (int32_t c = 0; c < V; ++c)
        if (p3[size_t(c)] > 0) out[{a, b, c}] = double(p1[size_t(a)]) * p2[size_t(b)] * p3[size_t(c)];
    }
  }
  return out;
}

}  // namespace hetspec::test
