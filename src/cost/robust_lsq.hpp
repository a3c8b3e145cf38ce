// Weighted, robust least squares for the calibration fit (calibration_fit.cpp): equations
// y ≈ Σ_k coef[k]·θ[k], each weighted by w; Huber weights re-weighted from the residuals (scale
// 1.4826·median |r|, c = 1.345 of it); columns scaled to unit norm with a vanishing ridge, so a term
// no equation observes stays 0; lower bounds by an active set (a violated bound is fixed, the rest
// re-solved). Internal to src/cost/. Pure.
#pragma once
#include <map>
#include <vector>

namespace hetspec {

struct LsqEquation {
  std::map<int, double> coef;
  double y = 0, w = 1;
};

std::vector<double> robust_lsq(const std::vector<LsqEquation>& eqs, int n, const std::vector<double>& lower);

}  // namespace hetspec
