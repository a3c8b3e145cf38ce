#include "hetspec/report/repeatability.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hetspec/core/error.hpp"
#include "number_format.hpp"

namespace hetspec {

using report_fmt::fx;
using report_fmt::pct;

Repeatability repeatability(const Validation& a, const Validation& b, const std::string& other_path) {
  Repeatability r;
  r.other = other_path;
  std::vector<double> va, vb, rel;
  double best = -1, other_best = -1;
  for (const auto& o : a.plans) {
    if (!o.measured) continue;
    for (const auto& p : b.plans)
      if (p.measured && p.id == o.id && p.description == o.description) {
        va.push_back(o.speedup.value);
        vb.push_back(p.speedup.value);
        const double mean = 0.5 * (o.speedup.value + p.speedup.value);
        if (mean > 0) rel.push_back(std::fabs(o.speedup.value - p.speedup.value) / mean);
        if (o.speedup.value > best) best = o.speedup.value, r.best = o.id + " " + o.description;
        if (p.speedup.value > other_best) other_best = p.speedup.value, r.other_best = p.id + " " + p.description;
        break;
      }
  }
  if (va.empty()) throw Error(other_path, "shares no measured plan with this validation (same id and plan)");
  r.plans = int(va.size());
  r.diff.n = int(rel.size());
  if (!rel.empty()) {
    r.diff.median_ape = median(rel);
    double s = 0;
    for (double x : rel) s += x;
    r.diff.mean_ape = s / double(rel.size());
    r.diff.max_ape = *std::max_element(rel.begin(), rel.end());
  }
  r.spearman = spearman(va, vb);
  for (double x : va)
    if (x >= best * (1 - r.diff.median_ape)) ++r.ties_with_best;
  return r;
}

std::string repeatability_markdown(const Repeatability& r) {
  std::ostringstream s;
  s << "## Repeatability: a second run of the same validation\n\n";
  s << "- second run: " << r.other << "\n\n";
  s << "| measured speedups of the two runs | value |\n|---|---|\n";
  s << "| plans in both | " << r.plans << " |\n";
  s << "| difference of a plan's two speedups ÷ their mean: median / mean / max (noise floor) | " << pct(r.diff.median_ape) << " / "
    << pct(r.diff.mean_ape) << " / " << pct(r.diff.max_ape) << " |\n";
  s << "| Spearman ρ between the runs | " << fx(r.spearman) << " |\n";
  s << "| measured best, this run | " << r.best << " |\n| measured best, second run | " << r.other_best << " |\n";
  s << "| plans within the median difference of this run's best | " << r.ties_with_best << " |\n";
  return s.str();
}

std::string repeatability_json_text(const Repeatability& r) {
  nlohmann::json j = {{"other", r.other},
                      {"plans", r.plans},
                      {"difference", {{"median", r.diff.median_ape}, {"mean", r.diff.mean_ape}, {"max", r.diff.max_ape}}},
                      {"spearman", r.spearman},
                      {"best", r.best},
                      {"other_best", r.other_best},
                      {"ties_with_best", r.ties_with_best}};
  return j.dump();
}

bool repeatability_in_json(const std::string& text, Repeatability& out) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("repeatability")) return false;
  const auto& k = j.at("repeatability");
  try {
    out.other = k.at("other");
    out.plans = k.at("plans");
    out.diff.n = out.plans;
    out.diff.median_ape = k.at("difference").at("median");
    out.diff.mean_ape = k.at("difference").at("mean");
    out.diff.max_ape = k.at("difference").at("max");
    out.spearman = k.at("spearman");
    out.best = k.at("best");
    out.other_best = k.at("other_best");
    out.ties_with_best = k.at("ties_with_best");
  } catch (const nlohmann::json::exception& e) {
    throw Error("validation.json: repeatability", e.what());
  }
  return true;
}

}  // namespace hetspec
