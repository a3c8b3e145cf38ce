#include "hetspec/engine/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "hetspec/core/error.hpp"
#include "hetspec/engine/cpu/ops.hpp"

namespace hetspec {

int32_t argmax(const float* x, int64_t n) {
  // The maximum over 8 independent lanes (no loop-carried index: the compiler keeps them in one
  // vector register), then the first index that holds it: two passes over a row that stays in
  // cache, each a fraction of the branchy index-tracking scan (a vocabulary row per sampled token).
  constexpr int kL = 8;
  float m[kL];
  for (int l = 0; l < kL; ++l) m[l] = -INFINITY;
  int64_t i = 0;
  for (; i + kL <= n; i += kL)
    for (int l = 0; l < kL; ++l) m[l] = x[i + l] > m[l] ? x[i + l] : m[l];
  for (; i < n; ++i) m[0] = x[i] > m[0] ? x[i] : m[0];
  float mx = m[0];
  for (int l = 1; l < kL; ++l) mx = m[l] > mx ? m[l] : mx;
  for (int64_t j = 0; j < n; ++j)
    if (x[j] == mx) return int32_t(j);
  return 0;  // no value compares above -inf (all NaN or -inf): the first index, as before
}

Sampler::Sampler(SamplerParams p) : p_(p), rng_(p.seed) {
  check(std::isfinite(p.temperature) && p.temperature >= 0, "sampler", "temperature must be >= 0");
  check(p.top_k >= 0, "sampler", "top-k must be >= 0");
  check(p.top_p > 0 && p.top_p <= 1, "sampler", "top-p must be in (0, 1]");
}

namespace {
// Greedy: probs := the one-hot distribution of the argmax, which is returned.
int32_t one_hot(const float* logits, int64_t vocab, std::vector<float>& probs) {
  const int32_t id = argmax(logits, vocab);
  probs.assign(size_t(vocab), 0.0f);
  probs[size_t(id)] = 1.0f;
  return id;
}
}  // namespace

void Sampler::probabilities(const float* logits, int64_t vocab, std::vector<float>& probs) const {
  check(vocab > 0, "sampler", "empty vocabulary");
  if (p_.greedy()) {
    one_hot(logits, vocab, probs);
    return;
  }
  probs.resize(size_t(vocab));
  // Softmax of logits / T with the CPU path's vectorized softmax (polynomial exp, sums in double).
  const float inv_t = 1.0f / p_.temperature;
  float* pr = probs.data();
  for (int64_t i = 0; i < vocab; ++i) pr[i] = logits[i] * inv_t;
  cpu_ops().softmax(pr, vocab);
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

namespace {
// Σ p[i0, i1) in double, over 8 independent partial sums (a single chain of double adds is bound by
// the add's latency: ~2 ns per vocabulary entry).
double block_sum(const float* p, size_t i0, size_t i1) {
  double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = i0;
  for (; i + 8 <= i1; i += 8)
    for (int l = 0; l < 8; ++l) s[l] += double(p[i + l] > 0 ? p[i + l] : 0.0f);
  for (; i < i1; ++i) s[0] += double(p[i] > 0 ? p[i] : 0.0f);
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}
}  // namespace

int32_t Sampler::draw(const std::vector<float>& probs) {
  check(!probs.empty(), "sampler", "empty distribution");
  const float* p = probs.data();
  const size_t n = probs.size();
  const double u = uniform() * block_sum(p, 0, n);
  // Whole blocks whose mass lies below u are skipped by their sums, then the block where the
  // cumulative mass passes u is scanned token by token.
  constexpr size_t kB = 256;
  double c = 0;
  size_t i = 0;
  for (; i + kB <= n; i += kB) {
    const double b = block_sum(p, i, i + kB);
    if (c + b > u) break;
    c += b;
  }
  for (; i < n; ++i) {
    if (p[i] <= 0) continue;
    c += p[i];
    if (u < c) return int32_t(i);
  }
  for (size_t j = n; j-- > 0;)  // rounding: u landed at the very top, the last token that can be drawn
    if (p[j] > 0) return int32_t(j);
  return 0;
}

int32_t Sampler::sample(const float* logits, int64_t vocab, std::vector<float>& probs) {
  if (p_.greedy()) {  // the argmax, and its one-hot distribution
    check(vocab > 0, "sampler", "empty vocabulary");
    return one_hot(logits, vocab, probs);
  }
  probabilities(logits, vocab, probs);
  return draw(probs);
}

}  // namespace hetspec
