// Samplers: greedy is argmax, filters keep the right mass, seeded draws repeat, distributions sum to 1.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "hetspec/core/error.hpp"
#include "hetspec/engine/sampler.hpp"

using namespace hetspec;

namespace {
std::vector<float> random_logits(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> nd(0.0f, 3.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = nd(rng);
  return v;
}
double sum(const std::vector<float>& p) { return std::accumulate(p.begin(), p.end(), 0.0); }
int nonzero(const std::vector<float>& p) { return int(std::count_if(p.begin(), p.end(), [](float x) { return x > 0; })); }
}  // namespace

TEST_CASE("greedy sampler returns the argmax with a one-hot distribution", "[forward][sampler]") {
  auto lg = random_logits(1000, 1);
  Sampler s;  // temperature 0
  std::vector<float> p;
  int32_t id = s.sample(lg.data(), int64_t(lg.size()), p);
  CHECK(id == int32_t(std::max_element(lg.begin(), lg.end()) - lg.begin()));
  CHECK(p[size_t(id)] == 1.0f);
  CHECK(nonzero(p) == 1);
  std::vector<float> tie{1.0f, 3.0f, 3.0f};
  CHECK(argmax(tie.data(), 3) == 1);
}

TEST_CASE("temperature sampling is a softmax that sums to 1", "[forward][sampler]") {
  auto lg = random_logits(500, 2);
  Sampler s({0.7f, 0, 1.0f, 1});
  std::vector<float> p;
  s.probabilities(lg.data(), 500, p);
  CHECK(sum(p) == Approx(1.0).epsilon(1e-5));
  // Ratio of two probabilities = exp((l_a - l_b) / T).
  CHECK(p[3] / p[7] == Approx(std::exp((lg[3] - lg[7]) / 0.7)).epsilon(1e-4));
  CHECK(nonzero(p) == 500);
}

TEST_CASE("top-k keeps exactly the k most likely tokens", "[forward][sampler]") {
  auto lg = random_logits(300, 3);
  Sampler s({1.0f, 10, 1.0f, 1});
  std::vector<float> p, full;
  s.probabilities(lg.data(), 300, p);
  Sampler({1.0f, 0, 1.0f, 1}).probabilities(lg.data(), 300, full);
  CHECK(nonzero(p) == 10);
  CHECK(sum(p) == Approx(1.0).epsilon(1e-5));
  std::vector<float> sorted = full;
  std::sort(sorted.rbegin(), sorted.rend());
  double topmass = std::accumulate(sorted.begin(), sorted.begin() + 10, 0.0);
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] > 0) {
      CHECK(full[i] >= sorted[9]);
      CHECK(p[i] == Approx(full[i] / topmass).epsilon(1e-4));  // renormalized, proportions kept
    }
  }
}

TEST_CASE("top-p keeps the smallest nucleus with mass >= p", "[forward][sampler]") {
  auto lg = random_logits(2000, 4);
  const float top_p = GENERATE(0.5f, 0.9f, 0.95f);
  std::vector<float> p, full;
  Sampler({1.0f, 0, top_p, 1}).probabilities(lg.data(), 2000, p);
  Sampler({1.0f, 0, 1.0f, 1}).probabilities(lg.data(), 2000, full);
  CHECK(sum(p) == Approx(1.0).epsilon(1e-5));
  double kept = 0, min_kept = 1;
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i] > 0) { kept += full[i]; min_kept = std::min(min_kept, double(full[i])); }
  CHECK(kept >= top_p - 1e-5);
  CHECK(kept - min_kept < top_p);  // dropping the least likely kept token falls below p: smallest set
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i] == 0) CHECK(full[i] <= min_kept);  // nothing more likely was dropped
}

TEST_CASE("seeded sampling is deterministic and follows the distribution", "[forward][sampler]") {
  auto lg = random_logits(50, 5);
  SamplerParams sp{0.9f, 20, 0.95f, 42};
  Sampler a(sp), b(sp), c({0.9f, 20, 0.95f, 43});
  std::vector<float> p;
  std::vector<int32_t> ia, ib, ic;
  for (int i = 0; i < 200; ++i) {
    ia.push_back(a.sample(lg.data(), 50, p));
    ib.push_back(b.sample(lg.data(), 50, p));
    ic.push_back(c.sample(lg.data(), 50, p));
  }
  CHECK(ia == ib);
  CHECK(ia != ic);
  for (int32_t id : ia) CHECK(p[size_t(id)] > 0);  // never draws a filtered-out token
  // Empirical frequencies of 20000 draws match the distribution.
  std::vector<float> q{0.5f, 0.25f, 0.125f, 0.125f};
  Sampler d({1.0f, 0, 1.0f, 7});
  std::vector<int> counts(4, 0);
  for (int i = 0; i < 20000; ++i) counts[size_t(d.draw(q))]++;
  for (size_t i = 0; i < 4; ++i) CHECK(counts[i] / 20000.0 == Approx(q[i]).margin(0.015));
}

TEST_CASE("sampler rejects invalid parameters", "[forward][sampler]") {
  CHECK_THROWS_AS(Sampler({-1.0f, 0, 1.0f, 1}), Error);
  CHECK_THROWS_AS(Sampler({1.0f, -3, 1.0f, 1}), Error);
  CHECK_THROWS_AS(Sampler({1.0f, 0, 0.0f, 1}), Error);
  CHECK_THROWS_AS(Sampler({1.0f, 0, 1.5f, 1}), Error);
}

TEST_CASE("argmax: the lowest index of the maximum across vector lanes and the tail", "[forward][sampler]") {
  for (int n : {1, 7, 8, 9, 16, 17, 100, 1003}) {
    auto lg = random_logits(n, uint64_t(n));
    const int32_t want = int32_t(std::max_element(lg.begin(), lg.end()) - lg.begin());  // first maximum
    CHECK(argmax(lg.data(), n) == want);
    // A tie placed after the first maximum, in another lane and in the tail, keeps the first.
    std::vector<float> t = lg;
    t[size_t(n - 1)] = t[size_t(want)];
    CHECK(argmax(t.data(), n) == std::min<int32_t>(want, n - 1));
  }
  std::vector<float> neg(19, -INFINITY);
  CHECK(argmax(neg.data(), 19) == 0);
  neg[13] = -1e30f;
  CHECK(argmax(neg.data(), 19) == 13);
}
