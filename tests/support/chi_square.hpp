// Pearson's chi-square goodness-of-fit test against known cell probabilities, with its p-value from
// the regularized upper incomplete gamma function Q(df/2, x/2) (series / continued fraction, as in
// Numerical Recipes). Cells expected to hold fewer than 5 counts are pooled into one.
#pragma once
#include <cmath>
#include <map>
#include <vector>

namespace hetspec::test {

inline double gamma_q(double a, double x) {
  if (x <= 0) return 1.0;
  const double gln = std::lgamma(a);
  if (x < a + 1) {  // series for P
    double ap = a, sum = 1.0 / a, del = sum;
    for (int n = 0; n < 1000; ++n) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (std::fabs(del) < std::fabs(sum) * 1e-15) break;
    }
    return 1.0 - sum * std::exp(-x + a * std::log(x) - gln);
  }
  double b = x + 1 - a, c = 1e300, d = 1 / b, h = d;  // continued fraction for Q
  for (int i = 1; i < 1000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (std::fabs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < 1e-15) break;
  }
  return std::exp(-x + a * std::log(x) - gln) * h;
}

struct ChiSquare {
  double stat = 0, p = 1;
  int df = 0;
};

// counts and probs keyed by cell; probs sum to ~1 (cells absent from counts have count 0).
template <class K>
ChiSquare chi_square(const std::map<K, long>& counts, const std::map<K, double>& probs, long n) {
  ChiSquare r;
  double pooled_e = 0, pooled_o = 0;
  int cells = 0;
  for (const auto& [k, p] : probs) {
    const double e = p * double(n);
    auto it = counts.find(k);
    const double o = it == counts.end() ? 0.0 : double(it->second);
    if (e < 5) {
      pooled_e += e;
      pooled_o += o;
      continue;
    }
    r.stat += (o - e) * (o - e) / e;
    cells++;
  }
  long outside = n;  // counts in cells the probabilities do not have (impossible outcomes)
  for (const auto& [k, p] : probs) {
    auto it = counts.find(k);
    if (it != counts.end()) outside -= it->second;
  }
  pooled_o += double(outside);
  if (pooled_e > 0 || pooled_o > 0) {
    const double e = std::max(pooled_e, 1e-9);
    r.stat += (pooled_o - e) * (pooled_o - e) / e;
    cells++;
  }
  r.df = std::max(1, cells - 1);
  r.p = gamma_q(r.df / 2.0, r.stat / 2.0);
  return r;
}

}  // namespace hetspec::test
