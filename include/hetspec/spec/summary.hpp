// The figures a run reports, from its traces: throughput and latency per arm (the plan, and plain
// decoding baselines run on the same prompts), phase times per iteration in the cost model's names,
// acceptance per draft position with a 95% Wilson interval, and speedup over a baseline with a 95%
// bootstrap interval over prompts (resampling whole prompts keeps each prompt's plan and baseline
// measurements paired).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "hetspec/cost/spec_cost.hpp"
#include "hetspec/spec/trace.hpp"

namespace hetspec {

struct Interval {
  double value = 0, lo = 0, hi = 0;
};

struct PositionAcceptance {
  int position = 0;     // 1-based draft position i
  int64_t reached = 0;  // iterations in which d_i was checked (d_1..d_{i-1} accepted)
  int64_t accepted = 0;
  Interval rate;        // accepted / reached, Wilson 95%
};

struct ArmSummary {
  std::string name;       // "plan", "baseline", "plan-target"
  std::string placement;  // runner description(s)
  int gamma = 0;
  std::string mode;
  int requests = 0;
  int64_t tokens = 0;           // generated
  double tokens_per_s = 0;      // decode tokens (after the first) per decode second
  double per_token_us = 0;      // 1e6 / tokens_per_s
  double ttft_us = 0;           // mean over requests
  double request_us = 0;        // mean over requests
  double iter_us = 0;           // mean iteration wall time
  double tokens_per_iter = 0;   // mean tokens emitted per iteration
  double p_all_accepted = 0;    // share of iterations that accepted all γ
  double predrafted = 0;        // overlapped: share of iterations whose block was drafted during a verify
  PhaseTimes phases;            // mean µs per iteration
  double host_share = 0;        // phases.host / iter_us
  std::vector<PositionAcceptance> acceptance;
};

ArmSummary summarize_arm(const std::string& name, const std::string& placement, int gamma, const std::string& mode,
                         const std::vector<RequestTrace>& reqs);

// Wilson score interval (95%) of k successes in n trials.
Interval wilson(int64_t k, int64_t n);
// Speedup of `plan` over `base` = base per-token latency / plan per-token latency, pooled over prompts,
// with a percentile bootstrap over prompt indices (both vectors are per prompt, same order).
Interval speedup_interval(const std::vector<RequestTrace>& base, const std::vector<RequestTrace>& plan,
                          int resamples = 2000, uint64_t seed = 1);
// The same over per-prompt decode spans measured elsewhere (another engine's printed timings).
struct DecodeSample {
  double us = 0;      // decode wall time of one prompt
  double tokens = 0;  // tokens decoded in it
};
Interval speedup_interval(const std::vector<DecodeSample>& base, const std::vector<DecodeSample>& plan,
                          int resamples = 2000, uint64_t seed = 1);

}  // namespace hetspec
