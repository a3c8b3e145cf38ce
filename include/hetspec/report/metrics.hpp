// How good a prediction is, over plans: absolute percentage errors (median, mean, max), Spearman's
// rank correlation of predicted vs measured order, and regret = 1 − (measured speedup of the plan
// predicted best ÷ measured speedup of the plan measured best): 0 = the model picked the winner. Pure.
#pragma once
#include <vector>

namespace hetspec {

struct ErrorStats {
  int n = 0;
  double median_ape = 0, mean_ape = 0, max_ape = 0;  // fractions (0.03 = 3%)
};

ErrorStats error_stats(const std::vector<double>& predicted, const std::vector<double>& measured);
// Spearman's ρ with average ranks for ties; 0 for fewer than 2 points.
double spearman(const std::vector<double>& a, const std::vector<double>& b);
// Over speedups (the best is the largest).
double regret(const std::vector<double>& predicted, const std::vector<double>& measured);
double median(std::vector<double> v);

}  // namespace hetspec
