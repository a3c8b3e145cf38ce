#include "hetspec/cost/acceptance.hpp"

#include <cmath>
#include <filesystem>

#include "hetspec/core/error.hpp"
#include "hetspec/core/input_file.hpp"
#include "hetspec/core/yaml_reader.hpp"

namespace hetspec {

const std::vector<double>& Acceptance::for_dtype(DType draft) const {
  auto it = by_dtype.find(draft);
  return it != by_dtype.end() ? it->second : alpha;
}

double Acceptance::at(int position, DType draft) const {
  const auto& a = for_dtype(draft);
  return a[std::min<size_t>(position, a.size()) - 1];
}

Acceptance Acceptance::scalar(double a) {
  Acceptance acc;
  acc.alpha = {a};
  acc.source = std::to_string(a);
  return acc;
}

double expected_tokens(const std::vector<double>& alpha, int gamma) {
  double e = 1.0, run = 1.0;
  for (int i = 1; i <= gamma; ++i) {
    run *= alpha[std::min<size_t>(i, alpha.size()) - 1];
    e += run;
  }
  return e;
}

double tokens_per_iteration(const std::vector<double>& alpha, int gamma, int64_t emitted) {
  const double mean = expected_tokens(alpha, gamma);
  if (emitted <= 0 || gamma <= 0) return mean;
  std::vector<double> pk(size_t(gamma) + 2, 0.0);  // (gamma + 2) P(X = k), k = 1..gamma+1
  double run = 1.0;
  for (int k = 1; k <= gamma; ++k) {
    const double a = alpha[std::min<size_t>(size_t(k), alpha.size()) - 1];
    pk[size_t(k)] = run * (1.0 - a);
    run *= a;
  }
  pk[size_t(gamma) + 1] = run;
  constexpr int64_t kExact = 4096;
  const int64_t r_max = std::min(emitted, kExact);
  std::vector<double> n(size_t(r_max) + 1, 0.0);  // (r_max + 1) expected iterations to emit r tokens
  for (int64_t r = 1; r <= r_max; ++r) {
    double v = 1.0;
    for (int k = 1; k <= gamma + 1 && k < r; ++k) v += pk[size_t(k)] * n[size_t(r - k)];
    n[size_t(r)] = v;
  }
  const double iters = n[size_t(r_max)] + double(emitted - r_max) / mean;
  return double(emitted) / iters;
}

double prob_prefix_accepted(const std::vector<double>& alpha, int k) {
  double run = 1.0;
  for (int i = 1; i <= k; ++i) run *= alpha[std::min<size_t>(i, alpha.size()) - 1];
  return run;
}

std::vector<double> pooled_acceptance(const std::vector<AcceptCount>& counts, double strength) {
  if (counts.empty() || counts[0].reached <= 0) return {};
  const double a1 = double(counts[0].accepted) / double(counts[0].reached);
  double acc = 0, reach = 0;
  for (size_t i = 1; i < counts.size(); ++i) {
    acc += double(counts[i].accepted);
    reach += double(counts[i].reached);
  }
  const double pooled = reach > 0 ? acc / reach : a1;
  std::vector<double> out{a1};
  for (size_t i = 1; i < counts.size(); ++i) {
    const double r = double(counts[i].reached) + strength;
    out.push_back(r > 0 ? (double(counts[i].accepted) + strength * pooled) / r : pooled);
  }
  return out;
}

namespace {
double checked_alpha(double v, const std::string& where) {
  if (!std::isfinite(v) || v < 0 || v > 1) throw Error(where, "acceptance rate must be in [0, 1], got " + std::to_string(v));
  return v;
}

std::vector<double> parse_list(const std::string& s, const std::string& where) {
  std::vector<double> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t comma = s.find(',', pos);
    std::string item = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    size_t used = 0;
    double v = 0;
    try {
      v = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size()) throw Error(where, "expected a number in [0, 1], got '" + item + "'");
    out.push_back(checked_alpha(v, where));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

std::vector<double> yaml_alpha(const YamlMap& y, const std::string& key) {
  std::vector<double> v;
  if (y.has(key) && y.node()[key].IsSequence()) {  // a missing key: get<> below names it
    v = y.list<double>(key);
    if (v.empty()) throw Error(y.where(key), "must not be empty");
  } else {
    v = {y.get<double>(key)};
  }
  for (size_t i = 0; i < v.size(); ++i) checked_alpha(v[i], y.where(key));
  return v;
}
}  // namespace

Acceptance parse_alpha(const std::string& arg) {
  Acceptance acc;
  acc.source = arg;
  // A list longer than a path may be (ENAMETOOLONG) is simply not a file: path_exists never throws.
  bool looks_numeric = !path_exists(arg) &&
                       (arg.find(',') != std::string::npos ||
                        (!arg.empty() && arg.find_first_not_of("0123456789.eE+- ") == std::string::npos));
  if (looks_numeric) {
    acc.alpha = parse_list(arg, "--alpha");
    return acc;
  }
  if (!path_exists(arg))
    throw Error("--alpha", "'" + arg + "' is neither a number, a comma list of numbers, nor an existing file");
  YamlMap y = YamlMap::load_file(arg);
  std::string schema = y.get<std::string>("schema");
  if (schema != "hetspec.acceptance/1")
    throw Error(y.where("schema"), "unsupported schema '" + schema + "' (expected hetspec.acceptance/1)");
  acc.alpha = yaml_alpha(y, "alpha");
  if (y.has("by_draft_dtype")) {
    YamlMap m = y.map("by_draft_dtype");
    for (const auto& k : m.keys()) {
      auto t = parse_dtype(k);
      if (!t) throw Error(m.where(k), "unknown dtype '" + k + "'");
      acc.by_dtype[*t] = yaml_alpha(m, k);
    }
    m.done();
  }
  y.get_or<std::string>("note", "");
  y.done();
  return acc;
}

}  // namespace hetspec
