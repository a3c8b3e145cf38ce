#include "hetspec/report/verify_curve.hpp"

#include <map>

namespace hetspec {

namespace {
// "target=cpu head=cpu" of a plan's description: the target placement alone.
std::string target_key(const PlanOutcome& o) {
  const auto t = o.description.find("target=");
  if (t == std::string::npos) return o.description;
  const auto g = o.description.find(" gamma=", t);
  return o.description.substr(t, g == std::string::npos ? std::string::npos : g - t);
}
}  // namespace

std::vector<VerifyCurve> verify_curves(const Validation& v) {
  struct Acc {
    double pred = 0, meas = 0;
    int n_pred = 0, n_meas = 0;
  };
  std::map<std::string, std::map<int, Acc>> by;  // placement -> m -> sums
  for (const auto& o : v.plans) {
    if (o.plan.target.is_split() || (o.plan.gamma > 0 && o.plan.mode != Mode::Sequential)) continue;
    Acc& a = by[target_key(o)][o.plan.gamma + 1];
    if (o.predicted.feasible && o.predicted.phases.verify > 0) a.pred += o.predicted.phases.verify, ++a.n_pred;
    if (o.measured && o.plan_arm.phases.verify > 0) a.meas += o.plan_arm.phases.verify, ++a.n_meas;
  }
  std::vector<VerifyCurve> out;
  for (const auto& [pu, ms] : by) {
    auto one = ms.find(1);
    if (one == ms.end() || one->second.n_pred == 0) continue;
    const double p1 = one->second.pred / one->second.n_pred;
    const double m1 = one->second.n_meas > 0 ? one->second.meas / one->second.n_meas : 0;
    VerifyCurve c;
    c.pu = pu;
    for (const auto& [m, a] : ms) {  // std::map: m ascending, m = 1 first
      if (a.n_pred > 0) c.predicted.push_back({double(m), a.pred / a.n_pred / p1, 0, 0});
      if (a.n_meas > 0 && m1 > 0) c.measured.push_back({double(m), a.meas / a.n_meas / m1, 0, 0});
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::string verify_curve_svg(const Validation& v) {
  const auto curves = verify_curves(v);
  if (curves.empty()) return "<p>Verify cost T(m)/T(1): no measured plain-decoding plan on an unsplit target.</p>";
  svg::Plot p;
  p.title = "Verify cost per target PU, T(m)/T(1): predicted (line), measured (points)";
  p.xlabel = "m = γ + 1 (tokens verified in one forward)";
  p.ylabel = "T(m) / T(1)";
  p.legend_width = 260;
  int c = 0;
  for (const auto& cv : curves) {
    p.series.push_back({"", svg::kPalette[c % 10], cv.predicted, true, false, true});
    p.series.push_back({cv.pu, svg::kPalette[c % 10], cv.measured, false, true, false});
    ++c;
  }
  p.fit(true);
  return p.render();
}

}  // namespace hetspec
