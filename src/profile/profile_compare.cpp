#include "hetspec/profile/profile_compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>
#include <tuple>

namespace hetspec {

namespace {

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double pos = q * double(v.size() - 1);
  const size_t lo = size_t(std::floor(pos)), hi = size_t(std::ceil(pos));
  return v[lo] + (v[hi] - v[lo]) * (pos - double(lo));
}

double rel(double a, double b) {
  const double mean = 0.5 * (std::fabs(a) + std::fabs(b));
  return mean > 0 ? std::fabs(a - b) / mean : 0.0;
}

// Points keyed by a string; differences of the keys both sides have, count of the others.
using Points = std::map<std::string, double>;

void match(const Points& a, const Points& b, CompareCategory& cat, int& unmatched) {
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end()) { ++unmatched; continue; }
    if (v > 0 && it->second > 0) cat.diffs.push_back(rel(v, it->second));
  }
  for (const auto& [k, v] : b)
    if (!a.count(k)) ++unmatched;
}

std::string key(const std::string& pu, std::initializer_list<std::string> parts) {
  std::string s = pu;
  for (const auto& p : parts) s += "|" + p;
  return s;
}
std::string str(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}

void table_points(const std::string& pu, const std::vector<KernelTable>& ts, Points& out) {
  for (const auto& t : ts)
    for (size_t i = 0; i < t.m.size() && i < t.us.size(); ++i)
      out[key(pu, {str(double(t.k)), str(double(t.n)), dtype_name(t.dtype), str(t.threads), str(t.m[i])})] = t.us[i];
}

struct Collected {
  Points matmul, head, attention, elementwise, forward, bandwidth, transfer, launch;
};

Collected collect(const Profile& p) {
  Collected c;
  for (const auto& u : p.pus) {
    table_points(u.id, u.tables, c.matmul);
    table_points(u.id, u.head, c.head);
    for (const auto& a : u.attention)
      for (size_t i = 0; i < a.m.size() && i < a.us.size(); ++i)
        for (size_t j = 0; j < a.n.size() && j < a.us[i].size(); ++j)
          c.attention[key(u.id, {str(a.n_heads), str(a.n_kv_heads), str(a.head_dim), str(a.threads), str(a.m[i]),
                                 str(a.n[j])})] = a.us[i][j];
    for (const auto& e : u.elementwise)
      for (size_t i = 0; i < e.m.size() && i < e.us.size(); ++i)
        c.elementwise[key(u.id, {str(double(e.d_model)), str(double(e.ffn_dim)), str(e.threads), str(e.m[i])})] = e.us[i];
    for (const auto& f : u.forward_check)
      c.forward[key(u.id, {f.model, str(f.threads), str(f.m), str(f.n)})] = f.us;
    for (const auto& b : u.bandwidth_curve) c.bandwidth[key(u.id, {str(b.bytes)})] = b.gbps;
    for (const auto& t : u.transfers) {
      c.transfer[key(u.id, {"h2d", str(t.bytes)})] = t.h2d_us;
      c.transfer[key(u.id, {"d2h", str(t.bytes)})] = t.d2h_us;
    }
    c.launch[key(u.id, {"launch"})] = u.launch_us;
    c.launch[key(u.id, {"sync"})] = u.sync_us;
    c.launch[key(u.id, {"enqueue"})] = u.enqueue_us;
    c.launch[key(u.id, {"roundtrip"})] = u.roundtrip_us;
  }
  return c;
}

}  // namespace

double CompareCategory::median() const { return quantile(diffs, 0.5); }
double CompareCategory::p90() const { return quantile(diffs, 0.9); }
double CompareCategory::max() const { return diffs.empty() ? 0 : *std::max_element(diffs.begin(), diffs.end()); }

ProfileComparison compare_profiles(const Profile& a, const Profile& b) {
  const Collected ca = collect(a), cb = collect(b);
  ProfileComparison out;
  out.kernels.name = "kernels (matmul + head + attention + element-wise)";
  const std::vector<std::tuple<const char*, const Points*, const Points*, bool>> cats = {
      {"matmul", &ca.matmul, &cb.matmul, true},           {"LM head", &ca.head, &cb.head, true},
      {"attention", &ca.attention, &cb.attention, true},   {"element-wise", &ca.elementwise, &cb.elementwise, true},
      {"whole forward", &ca.forward, &cb.forward, false},  {"bandwidth", &ca.bandwidth, &cb.bandwidth, false},
      {"transfers", &ca.transfer, &cb.transfer, false},    {"launch / sync", &ca.launch, &cb.launch, false}};
  for (const auto& [name, pa, pb, kernel] : cats) {
    CompareCategory c;
    c.name = name;
    match(*pa, *pb, c, out.unmatched);
    if (c.diffs.empty()) continue;
    if (kernel) out.kernels.diffs.insert(out.kernels.diffs.end(), c.diffs.begin(), c.diffs.end());
    out.categories.push_back(std::move(c));
  }
  return out;
}

std::string format_comparison(const ProfileComparison& c, const std::string& a_name, const std::string& b_name) {
  std::ostringstream o;
  char line[256];
  o << "# " << a_name << " vs " << b_name << ": |a - b| / mean(a, b) over matched entries\n";
  std::snprintf(line, sizeof line, "%-52s %7s %8s %8s %8s\n", "category", "points", "median", "p90", "max");
  o << line;
  auto row = [&](const CompareCategory& k) {
    std::snprintf(line, sizeof line, "%-52s %7zu %7.1f%% %7.1f%% %7.1f%%\n", k.name.c_str(), k.diffs.size(),
                  100 * k.median(), 100 * k.p90(), 100 * k.max());
    o << line;
  };
  for (const auto& k : c.categories) row(k);
  if (!c.kernels.diffs.empty()) row(c.kernels);
  o << "# entries in only one of the two: " << c.unmatched << "\n";
  return o.str();
}

}  // namespace hetspec
