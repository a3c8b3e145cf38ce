// Acceptance of drafted tokens: a scalar α, a per-position vector α_1..α_k (the last value repeats
// for later positions), optionally one per draft dtype (acceptance drops as the draft is quantized
// harder). Expected tokens per iteration (Leviathan et al. 2023):
//   E[tokens] = Σ_{k=0..γ} Π_{i=1..k} α_i      (scalar: (1 − α^{γ+1}) / (1 − α))
#pragma once
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
// Probability that the first k drafted tokens are all accepted: Π_{i=1..k} α_i.
double prob_prefix_accepted(const std::vector<double>& alpha, int k);

// Parses --alpha: a number ("0.7"), a comma list ("0.9,0.8,0.7"), or a YAML file
// (schema hetspec.acceptance/1). Every value must lie in [0, 1]. Errors name the flag or file/key.
Acceptance parse_alpha(const std::string& arg);

}  // namespace hetspec
