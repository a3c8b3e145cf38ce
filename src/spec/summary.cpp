#include "hetspec/spec/summary.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "hetspec/core/error.hpp"
#include "hetspec/spec/prediction_band.hpp"

namespace hetspec {

Interval wilson(int64_t k, int64_t n) {
  Interval r;
  if (n <= 0) return r;
  const double z = 1.959963984540054, p = double(k) / double(n), z2n = z * z / double(n);
  const double centre = (p + z2n / 2) / (1 + z2n);
  const double half = z * std::sqrt(p * (1 - p) / double(n) + z2n / (4 * double(n))) / (1 + z2n);
  r.value = p;
  r.lo = std::max(0.0, centre - half);
  r.hi = std::min(1.0, centre + half);
  return r;
}

ArmSummary summarize_arm(const std::string& name, const std::string& placement, int gamma, const std::string& mode,
                         const std::vector<RequestTrace>& reqs) {
  ArmSummary a;
  a.name = name;
  a.placement = placement;
  a.gamma = gamma;
  a.mode = mode;
  a.requests = int(reqs.size());
  double decode_us = 0, ttft = 0, req = 0;
  int64_t decode_tokens = 0, iters = 0, emitted = 0, all_acc = 0, pre = 0;
  PhaseTimes sum;
  std::vector<int64_t> reached(size_t(std::max(gamma, 0)), 0), accepted(size_t(std::max(gamma, 0)), 0);
  for (const auto& r : reqs) {
    a.tokens += int64_t(r.tokens.size());
    decode_tokens += std::max<int64_t>(0, int64_t(r.tokens.size()) - 1);
    decode_us += r.decode_us;
    ttft += r.ttft_us;
    req += r.request_us;
    const PhaseTimes s = r.phase_sum();
    sum.draft += s.draft;
    sum.verify += s.verify;
    sum.catchup += s.catchup;
    sum.host += s.host;
    sum.transfer += s.transfer;
    sum.handoff += s.handoff;
    sum.overlap += s.overlap;
    for (const auto& it : r.iters) {
      iters++;
      emitted += it.emitted;
      pre += it.predrafted ? 1 : 0;
      if (it.drafted > 0 && it.accepted == it.drafted) all_acc++;
    }
    const std::vector<AcceptCount> c = prompt_acceptance_counts(r, gamma);
    for (size_t i = 0; i < c.size(); ++i) {
      reached[i] += c[i].reached;
      accepted[i] += c[i].accepted;
    }
  }
  if (!reqs.empty()) {
    a.ttft_us = ttft / double(reqs.size());
    a.request_us = req / double(reqs.size());
  }
  if (decode_us > 0) {
    a.tokens_per_s = double(decode_tokens) / (decode_us * 1e-6);
    a.per_token_us = decode_us / double(decode_tokens);
  }
  if (iters > 0) {
    const double n = double(iters);
    a.phases = PhaseTimes{.draft = sum.draft / n, .verify = sum.verify / n, .catchup = sum.catchup / n,
                          .host = sum.host / n, .transfer = sum.transfer / n, .handoff = sum.handoff / n,
                          .overlap = sum.overlap / n};
    a.iter_us = a.phases.total();
    a.tokens_per_iter = double(emitted) / n;
    a.p_all_accepted = gamma > 0 ? double(all_acc) / n : 0;
    a.predrafted = double(pre) / n;
    a.host_share = a.iter_us > 0 ? a.phases.host / a.iter_us : 0;
  }
  for (int i = 0; i < gamma; ++i) {
    PositionAcceptance p;
    p.position = i + 1;
    p.reached = reached[size_t(i)];
    p.accepted = accepted[size_t(i)];
    p.rate = wilson(p.accepted, p.reached);
    a.acceptance.push_back(p);
  }
  return a;
}

Interval speedup_interval(const std::vector<RequestTrace>& base, const std::vector<RequestTrace>& plan,
                          int resamples, uint64_t seed) {
  check(base.size() == plan.size(), "speedup", "baseline and plan ran different prompt counts");
  auto samples = [](const std::vector<RequestTrace>& v) {
    std::vector<DecodeSample> s;
    for (const auto& r : v) s.push_back({r.decode_us, double(std::max<size_t>(1, r.tokens.size()) - 1)});
    return s;
  };
  return speedup_interval(samples(base), samples(plan), resamples, seed);
}

Interval speedup_interval(const std::vector<DecodeSample>& base, const std::vector<DecodeSample>& plan, int resamples,
                          uint64_t seed) {
  check(base.size() == plan.size(), "speedup", "baseline and plan ran different prompt counts");
  const size_t n = base.size();
  Interval r;
  if (n == 0) return r;
  auto pooled = [&](const std::vector<size_t>& idx) {
    double bu = 0, bt = 0, pu = 0, pt = 0;
    for (size_t i : idx) {
      bu += base[i].us;
      bt += base[i].tokens;
      pu += plan[i].us;
      pt += plan[i].tokens;
    }
    if (bt <= 0 || pt <= 0 || pu <= 0) return 0.0;
    return (bu / bt) / (pu / pt);
  };
  std::vector<size_t> idx(n);
  for (size_t i = 0; i < n; ++i) idx[i] = i;
  r.value = pooled(idx);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, n - 1);
  std::vector<double> boots;
  boots.reserve(size_t(resamples));
  for (int b = 0; b < resamples; ++b) {
    for (auto& i : idx) i = pick(rng);
    boots.push_back(pooled(idx));
  }
  std::sort(boots.begin(), boots.end());
  r.lo = boots[size_t(0.025 * (boots.size() - 1))];
  r.hi = boots[size_t(0.975 * (boots.size() - 1))];
  return r;
}

}  // namespace hetspec
