// Acceptance of drafted tokens: a scalar α, a per-position vector α_1..α_k (the last value repeats
// for later positions), optionally one per draft dtype (acceptance drops as the draft is quantized
// harder). Expected tokens per iteration (Leviathan et al. 2023):
//   E[tokens] = Σ_{k=0..γ} Π_{i=1..k} α_i      (scalar: (1 − α^{γ+1}) / (1 − α))
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "hetspec/core/dtype.hpp"

namespace hetspec {

struct Acceptance {
  std::vector<double> alpha;                      // per position, 1-based position i -> alpha[i-1]
  std::map<DType, std::vector<double>> by_dtype;  // overrides for a draft dtype
  std::string source;                             // "--alpha 0.7", a file name...

  const std::vector<double>& for_dtype(DType draft) const;
  double at(int position, DType draft) const;     // α_i, i >= 1
  static Acceptance scalar(double a);
};

// E[tokens per iteration] for draft length gamma (gamma = 0 gives 1).
double expected_tokens(const std::vector<double>& alpha, int gamma);
// Tokens per iteration over a request whose iterations emit `emitted` tokens (G - 1: the first comes
// from the prefill): the last iteration drafts and verifies a full block but emits only what is left,
// so fewer than expected_tokens (by about half an iteration's tokens over the request: 4 % at G = 64,
// gamma = 8, alpha 0.6). The expected number of iterations n(r) to emit r tokens,
// n(r) = 1 + sum_k P(X = k) n(r - k), P(X = k) = alpha_1..alpha_{k-1} (1 - alpha_k), P(X = gamma+1) =
// alpha_1..alpha_gamma, gives emitted / n(emitted); past 4096 tokens each adds 1 / E[X] iterations.
// emitted <= 0 gives expected_tokens.
double tokens_per_iteration(const std::vector<double>& alpha, int gamma, int64_t emitted);
// Probability that the first k drafted tokens are all accepted: Π_{i=1..k} α_i.
double prob_prefix_accepted(const std::vector<double>& alpha, int k);

// What a calibration run counted at one draft position: how often position i was reached (d_1..d_{i-1}
// accepted) and how often d_i was accepted there.
struct AcceptCount {
  int64_t accepted = 0;
  int64_t reached = 0;
};

// Per-position acceptance from counts (a calibration split of a few prompts), for predicting other
// prompts. Later positions are reached rarely (a 4-prompt split reached position 4 three times), so a
// raw accepted/reached there is noise. Positions >= 2 (each conditional on the previous draft token
// accepted) share one pooled rate, and each is shrunk toward it by `strength` pseudo-observations
// (empirical-Bayes, Beta prior): alpha_i = (a_i + s p) / (r_i + s), p = sum a_j / sum r_j over j >= 2.
// Position 1 keeps its own rate (it is reached every iteration). Unreached positions get p; with no
// reach beyond position 1, p = alpha_1. Empty counts or an unreached position 1 give {}.
std::vector<double> pooled_acceptance(const std::vector<AcceptCount>& counts, double strength = 8.0);

// Per-position acceptance from what an engine that reports only totals measured (llama.cpp's
// llama-speculative: tokens emitted and verify passes) at several draft lengths: `rates` holds, per
// γ, the tokens per iteration over requests that emitted `emitted` tokens each (after the first).
// Between measured lengths γ_{j-1} < i <= γ_j the conditional rate is one constant r_j (so the
// prefix-accepted probability decays geometrically there), chosen by bisection so that
// tokens_per_iteration(alpha, γ_j, emitted_j) equals the measurement; positions past the last γ keep
// its rate. A measurement at or below what the earlier positions already give (noise) gets a rate of
// 0.02, one above what rate 1 gives gets 1. The result has max γ entries; no positive γ gives {}.
struct IterationRate {
  int gamma = 0;
  double tokens_per_iter = 1;
  int64_t emitted = 0;  // per request; 0: the unbounded mean (expected_tokens)
};
std::vector<double> acceptance_from_rates(std::vector<IterationRate> rates);

// Parses --alpha: a number ("0.7"), a comma list ("0.9,0.8,0.7"), or a YAML file
// (schema hetspec.acceptance/1). Every value must lie in [0, 1]. Errors name the flag or file/key.
Acceptance parse_alpha(const std::string& arg);

}  // namespace hetspec
