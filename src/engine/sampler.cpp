#include "hetspec/engine/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "hetspec/core/error.hpp"

namespace hetspec {

int32_t argmax(const float* x, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (x[i] > x[best]) best = i;
  return int32_t(best);
}

Sampler::Sampler(SamplerParams p) : p_(p), rng_(p.seed) {
  check(std::isfinite(p.temperature) && p.temperature >= 0, "sampler", "temperature must be >= 0");
  check(p.top_k >= 0, "sampler", "top-k must be >= 0");
  check(p.top_p > 0 && p.top_p <= 1, "sampler", "top-p must be in (0, 1]");
}

void Sampler::probabilities(const float* logits, int64_t vocab, std::vector<float>& probs) const {
  check(vocab > 0, "sampler", "empty vocabulary");
  probs.assign(size_t(vocab), 0.0f);
  if (p_.greedy()) {
    probs[size_t(argmax(logits, vocab))] = 1.0f;
    return;
  }
  // Softmax of logits / T, sums in double.
  const float inv_t = 1.0f / p_.temperature;
  float mx = logits[argmax(logits, vocab)];
  double sum = 0;
  for (int64_t i = 0; i < vocab; ++i) {
    float e = std::exp((logits[i] - mx) * inv_t);
    probs[size_t(i)] = e;
    sum += e;
  }
  for (auto& v : probs) v = float(v / sum);
  const bool use_k = p_.top_k > 0 && p_.top_k < vocab;
  const bool use_p = p_.top_p < 1;
  if (!use_k && !use_p) return;

  // Candidates in descending probability. With only top-p, tokens below (1-p)/vocab can never be
  // inside the nucleus (all of them together hold less than 1-p), so they are not sorted.
  order_.clear();
  if (use_k) {
    order_.resize(size_t(vocab));
    std::iota(order_.begin(), order_.end(), 0);
    auto by_prob = [&](int32_t a, int32_t b) { return probs[size_t(a)] > probs[size_t(b)] || (probs[size_t(a)] == probs[size_t(b)] && a < b); };
    std::partial_sort(order_.begin(), order_.begin() + p_.top_k, order_.end(), by_prob);
    order_.resize(size_t(p_.top_k));
  } else {
    const float floor = float((1.0 - p_.top_p) / double(vocab)) * 0.5f;
    for (int64_t i = 0; i < vocab; ++i)
      if (probs[size_t(i)] >= floor) order_.push_back(int32_t(i));
    std::sort(order_.begin(), order_.end(), [&](int32_t a, int32_t b) {
      return probs[size_t(a)] > probs[size_t(b)] || (probs[size_t(a)] == probs[size_t(b)] && a < b);
    });
  }
  size_t keep = order_.size();
  if (use_p) {
    // Mass relative to the distribution so far (after top-k), which sums to `total`.
    double mass = 0, total = use_k ? 0.0 : 1.0;
    if (use_k)
      for (int32_t i : order_) total += probs[size_t(i)];
    for (size_t j = 0; j < order_.size(); ++j) {
      mass += probs[size_t(order_[j])];
      if (mass >= p_.top_p * total) { keep = j + 1; break; }
    }
  }
  double kept = 0;
  for (size_t j = 0; j < keep; ++j) kept += probs[size_t(order_[j])];
  std::vector<float>& out = probs;
  std::vector<float> vals(keep);
  for (size_t j = 0; j < keep; ++j) vals[j] = float(out[size_t(order_[j])] / kept);
  std::fill(out.begin(), out.end(), 0.0f);
  for (size_t j = 0; j < keep; ++j) out[size_t(order_[j])] = vals[j];
}

double Sampler::uniform() { return double(rng_() >> 11) * 0x1.0p-53; }

int32_t Sampler::draw(const std::vector<float>& probs) {
  check(!probs.empty(), "sampler", "empty distribution");
  double total = 0;
  for (float v : probs) total += v;
  const double u = uniform() * total;
  double c = 0;
  int32_t last = 0;
  for (size_t i = 0; i < probs.size(); ++i) {
    if (probs[i] <= 0) continue;
    c += probs[i];
    last = int32_t(i);
    if (u < c) return int32_t(i);
  }
  return last;  // rounding: u landed at the very top
}

int32_t Sampler::sample(const float* logits, int64_t vocab, std::vector<float>& probs) {
  probabilities(logits, vocab, probs);
  if (p_.greedy()) return argmax(probs.data(), vocab);
  return draw(probs);
}

}  // namespace hetspec
