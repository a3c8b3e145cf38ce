// Held-out checks of a profile's interpolation (see profile_holdout.hpp).
#include "hetspec/profile/profile_holdout.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "hetspec/profile/op_time.hpp"

namespace hetspec {

namespace {
std::vector<double> sorted_abs(const std::vector<double>& v) {
  std::vector<double> a;
  for (double x : v) a.push_back(std::fabs(x));
  std::sort(a.begin(), a.end());
  return a;
}
double quantile_sorted(const std::vector<double>& a, double q) {
  if (a.empty()) return 0;
  const double pos = q * (a.size() - 1);
  const size_t lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, a.size() - 1);
  return a[lo] + (a[hi] - a[lo]) * (pos - lo);
}
bool kept(const std::vector<int>& keep, int m) { return std::find(keep.begin(), keep.end(), m) != keep.end(); }
std::string label(const ProcessingUnit& pu, const KernelTable& t) {
  return pu.id + (pu.kind == PuKind::CPU ? " t" + std::to_string(t.threads) : std::string());
}
}  // namespace

double HoldoutGroup::median_abs() const { return quantile_sorted(sorted_abs(errors), 0.5); }
double HoldoutGroup::p90_abs() const { return quantile_sorted(sorted_abs(errors), 0.9); }
double HoldoutGroup::max_abs() const {
  const auto a = sorted_abs(errors);
  return a.empty() ? 0 : a.back();
}

HoldoutResult holdout_interpolation(const Profile& p, const std::vector<int>& keep_m) {
  HoldoutResult r;
  r.all_m.name = "all, held-out m";
  r.all_shapes.name = "all, held-out shapes";
  std::map<std::string, HoldoutGroup> by_m, by_shape;
  std::vector<std::string> order;
  for (const ProcessingUnit& pu : p.pus) {
    for (const KernelTable& t : pu.tables) {
      const std::string key = label(pu, t);
      if (!by_m.count(key)) order.push_back(key);
      HoldoutGroup& gm = by_m[key];
      gm.name = key + ", held-out m";
      // (a) held-out m: the kept points of this table predict the others.
      KernelTable reduced = t;
      reduced.m.clear();
      reduced.us.clear();
      for (size_t i = 0; i < t.m.size(); ++i)
        if (kept(keep_m, t.m[i])) reduced.m.push_back(t.m[i]), reduced.us.push_back(t.us[i]);
      if (reduced.m.size() >= 2 && reduced.m.size() < t.m.size()) {
        for (size_t i = 0; i < t.m.size(); ++i) {
          if (kept(keep_m, t.m[i]) || t.us[i] <= 0) continue;
          const double e = interpolate_table(reduced, t.m[i]) / t.us[i] - 1.0;
          gm.errors.push_back(e);
          r.all_m.errors.push_back(e);
        }
      }
      // (b) held-out shape: the nearest other table of this PU, dtype and thread count, scaled by k·n.
      const KernelTable* nearest = nullptr;
      double best = 1e300;
      for (const KernelTable& o : pu.tables) {
        if (&o == &t || o.dtype != t.dtype || o.threads != t.threads) continue;
        const double d = std::fabs(std::log(static_cast<double>(o.k) * o.n / (static_cast<double>(t.k) * t.n)));
        if (d < best) best = d, nearest = &o;
      }
      HoldoutGroup& gs = by_shape[key];
      gs.name = key + ", held-out shapes";
      if (!nearest) continue;
      const double scale = static_cast<double>(t.k) * t.n / (static_cast<double>(nearest->k) * nearest->n);
      for (size_t i = 0; i < t.m.size(); ++i) {
        if (!kept(keep_m, t.m[i]) || t.us[i] <= 0) continue;
        const double e = interpolate_table(*nearest, t.m[i]) * scale / t.us[i] - 1.0;
        gs.errors.push_back(e);
        r.all_shapes.errors.push_back(e);
      }
    }
  }
  for (const std::string& k : order) {
    if (!by_m[k].errors.empty()) r.groups.push_back(by_m[k]);
    if (!by_shape[k].errors.empty()) r.groups.push_back(by_shape[k]);
  }
  return r;
}

std::string format_holdout(const HoldoutResult& r, const std::vector<int>& keep_m) {
  std::ostringstream o;
  o << "kept m:";
  for (int m : keep_m) o << ' ' << m;
  o << "\n";
  char buf[200];
  auto line = [&](const HoldoutGroup& g) {
    std::snprintf(buf, sizeof buf, "%-34s points %4zu  median |error| %5.1f %%  p90 %5.1f %%  max %6.1f %%\n",
                  g.name.c_str(), g.errors.size(), 100 * g.median_abs(), 100 * g.p90_abs(), 100 * g.max_abs());
    o << buf;
  };
  for (const HoldoutGroup& g : r.groups) line(g);
  if (!r.all_m.errors.empty()) line(r.all_m);
  if (!r.all_shapes.errors.empty()) line(r.all_shapes);
  if (r.all_m.errors.empty() && r.all_shapes.errors.empty()) o << "no kernel table to hold points out of\n";
  return o.str();
}

}  // namespace hetspec
