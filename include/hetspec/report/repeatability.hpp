// Two runs of the same validation (same binary, profile and grid, measured again): how far their
// measured speedups differ plan by plan is the noise floor of the method on that machine. A
// prediction error below it cannot be told from noise, and plans within it of the best are ties.
// Pure: computed from the two stored validations.
#pragma once
#include <string>

#include "hetspec/report/metrics.hpp"
#include "hetspec/spec/validate.hpp"

namespace hetspec {

struct Repeatability {
  std::string other;            // the second run's validation.json
  int plans = 0;                // measured in both (same id and plan)
  ErrorStats diff;              // |a − b| / ((a + b) / 2) of the measured speedups
  double spearman = 0;          // rank agreement of the two runs
  std::string best, other_best; // measured best plan of each run
  int ties_with_best = 0;       // plans of this run within the median difference of its best
};

// Throws Error naming `other_path` when the runs share no measured plan.
Repeatability repeatability(const Validation& a, const Validation& b, const std::string& other_path);

std::string repeatability_markdown(const Repeatability& r);
std::string repeatability_json_text(const Repeatability& r);  // a JSON object
// From a validation.json's "repeatability" key (absent: false).
bool repeatability_in_json(const std::string& text, Repeatability& out);

}  // namespace hetspec
