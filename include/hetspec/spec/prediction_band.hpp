// Why: a validation predicts from the acceptance of a handful of calibration prompts, and prompts
// differ from one another by more than a few prompts average out (on the AVX2 VM the held-out prompts'
// tokens per iteration missed the calibration estimate by 7.5-10 %, docs/llamacpp.md). A point
// prediction hides that. The band re-predicts every plan with the calibration prompts resampled
// (bootstrap over prompts, the acceptance re-estimated each time as validate estimates it), so a
// report can say which measured speedups lie within what its calibration could support.
#pragma once
#include <cstdint>
#include <vector>

#include "hetspec/cost/acceptance.hpp"
#include "hetspec/spec/trace.hpp"

namespace hetspec {

// One calibration prompt's counts per draft position 1..gamma (as summarize_arm counts an arm).
std::vector<AcceptCount> prompt_acceptance_counts(const RequestTrace& r, int gamma);

// `samples` acceptance vectors (pooled_acceptance of the summed counts of a resample, with
// replacement, of the prompts), from a fixed seed: the same input gives the same samples. Resamples
// that drafted nothing are skipped. Empty when `per_prompt` is.
std::vector<std::vector<double>> resampled_acceptance(const std::vector<std::vector<AcceptCount>>& per_prompt,
                                                      int samples = 200, uint64_t seed = 20261203);

// The 2.5 and 97.5 percentiles of `values` (linear interpolation); {NAN, NAN} when empty.
struct Band {
  double lo = 0, hi = 0;
};
Band percentile_band(std::vector<double> values);

}  // namespace hetspec
