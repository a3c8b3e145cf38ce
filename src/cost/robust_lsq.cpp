#include "robust_lsq.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

namespace hetspec {

std::vector<double> robust_lsq(const std::vector<LsqEquation>& eqs, int n, const std::vector<double>& lower) {
  std::vector<double> theta(size_t(n), 0.0);
  if (eqs.empty() || n == 0) return theta;
  const int m = int(eqs.size());
  Eigen::MatrixXd A = Eigen::MatrixXd::Zero(m, n);
  Eigen::VectorXd b(m);
  for (int i = 0; i < m; ++i) {
    for (auto [k, c] : eqs[size_t(i)].coef) A(i, k) += c * eqs[size_t(i)].w;
    b(i) = eqs[size_t(i)].y * eqs[size_t(i)].w;
  }
  std::vector<bool> fixed(size_t(n), false);
  Eigen::VectorXd robust = Eigen::VectorXd::Ones(m);
  for (int pass = 0; pass < 2 * n + 2; ++pass) {
    for (int iter = 0; iter < 12; ++iter) {
      // Free, observed columns, scaled to unit norm.
      std::vector<int> cols;
      Eigen::VectorXd rhs = b;
      for (int k = 0; k < n; ++k) {
        if (fixed[size_t(k)]) rhs -= A.col(k) * theta[size_t(k)];
        else if (A.col(k).norm() > 0) cols.push_back(k);
        else theta[size_t(k)] = 0;
      }
      if (cols.empty()) break;
      const int nc = int(cols.size());
      Eigen::MatrixXd M(m + nc, nc);
      Eigen::VectorXd r(m + nc);
      Eigen::VectorXd scale(nc);
      for (int j = 0; j < nc; ++j) {
        scale(j) = A.col(cols[size_t(j)]).norm();
        M.block(0, j, m, 1) = robust.asDiagonal() * A.col(cols[size_t(j)]) / scale(j);
      }
      M.bottomRows(nc) = 1e-4 * Eigen::MatrixXd::Identity(nc, nc);
      r.head(m) = robust.asDiagonal() * rhs;
      r.tail(nc).setZero();
      Eigen::VectorXd x = M.colPivHouseholderQr().solve(r);
      for (int j = 0; j < nc; ++j) theta[size_t(cols[size_t(j)])] = x(j) / scale(j);
      // Huber weights from the residuals (scale: 1.4826 · median |r|).
      Eigen::VectorXd res = b;
      for (int k = 0; k < n; ++k) res -= A.col(k) * theta[size_t(k)];
      std::vector<double> ab(static_cast<size_t>(m));
      for (int i = 0; i < m; ++i) ab[size_t(i)] = std::fabs(res(i));
      std::nth_element(ab.begin(), ab.begin() + m / 2, ab.end());
      const double c = 1.345 * std::max(1.4826 * ab[size_t(m / 2)], 1e-9);
      Eigen::VectorXd next(m);
      for (int i = 0; i < m; ++i) next(i) = std::fabs(res(i)) <= c ? 1.0 : std::sqrt(c / std::fabs(res(i)));
      const bool settled = (next - robust).cwiseAbs().maxCoeff() < 1e-6;
      robust = next;
      if (settled) break;
    }
    bool violated = false;
    for (int k = 0; k < n; ++k)
      if (!fixed[size_t(k)] && theta[size_t(k)] < lower[size_t(k)]) {
        theta[size_t(k)] = lower[size_t(k)];
        fixed[size_t(k)] = true;
        violated = true;
      }
    if (!violated) break;
  }
  return theta;
}

}  // namespace hetspec
