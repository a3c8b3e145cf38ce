#include "hetspec/report/calibration_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

#include "hetspec/core/error.hpp"
#include "number_format.hpp"

namespace hetspec {

namespace {
using report_fmt::fx;
using report_fmt::pct;
using report_fmt::three;
std::string join(const std::vector<std::string>& v, const char* sep = " ") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

// The PU a baseline arm ran on: "target cl:0[0,28), head on cl:0" -> the profile's index of cl:0.
int baseline_pu(const std::string& placement, const Profile& prof) {
  const std::string pre = "target ";
  if (placement.rfind(pre, 0) != 0) return -1;
  const std::string id = placement.substr(pre.size(), placement.find_first_of("[ ,", pre.size()) - pre.size());
  for (size_t i = 0; i < prof.pus.size(); ++i)
    if (prof.pus[i].id == id || prof.pus[i].engine == id) return int(i);
  return -1;
}

// Validation predictions use greedy verification (validate runs greedy, timing mode included).
Workload workload_of(const Validation& v) {
  Workload w = v.workload;
  w.greedy = true;
  return w;
}

CalibrationError error_of(const ValidationMetrics& m) {
  CalibrationError e;
  e.plans = m.plans;
  e.speedup_median = m.speedup.median_ape;
  e.speedup_max = m.speedup.max_ape;
  e.per_token_median = m.per_token.median_ape;
  e.spearman = m.spearman;
  e.regret = m.regret;
  return e;
}

std::string terms_lines(const Calibration& c, const Profile* base) {
  std::ostringstream s;
  for (const auto& f : c.forward) {
    s << "- forward on " << f.pu << ", " << f.model << ": " << fx(f.forward_us, "%+.1f") << " µs per forward";
    if (f.token_us != 0) s << ", " << fx(f.token_us, "%+.1f") << " µs per token beyond the first (to m = " << f.max_tokens << ")";
    s << "\n";
  }
  for (const auto& h : c.handoff) s << "- hand-off from " << h.pu << ": " << fx(h.us, "%+.1f") << " µs per split crossing\n";
  if (c.host_greedy_ns_per_vocab > 0) {
    s << "- host argmax: " << fx(c.host_greedy_ns_per_vocab, "%.3f") << " ns per vocabulary entry";
    if (base) s << " (profile: " << fx(base->host.greedy_ns_per_vocab, "%.3f") << ")";
    s << "\n";
  }
  if (c.host_draft_ns_per_vocab > 0)
    s << "- host, draft side: " << fx(c.host_draft_ns_per_vocab, "%.3f") << " ns per draft vocabulary entry\n";
  for (const auto& k : c.contention) {
    s << "- contention " << k.a << " | " << k.b << ": shares " << fx(k.a_share) << " / " << fx(k.b_share);
    if (base) s << " (profile: " << fx(base->contention_share(k.a, k.b)) << " / " << fx(base->contention_share(k.b, k.a)) << ")";
    s << "\n";
  }
  for (const auto& o : c.overlap)
    s << "- overlap, draft on " << o.draft << " and target on " << o.target << ": " << fx(o.hidden)
      << " of the shorter side hidden\n";
  return s.str();
}

std::string metrics_table(const ValidationMetrics& b, const ValidationMetrics& a, const std::string& what) {
  std::ostringstream s;
  s << "| " << what << " (" << a.plans << ") | before | after |\n|---|---|---|\n";
  s << "| speedup error: median / mean / max | " << pct(b.speedup.median_ape) << " / " << pct(b.speedup.mean_ape) << " / "
    << pct(b.speedup.max_ape) << " | " << pct(a.speedup.median_ape) << " / " << pct(a.speedup.mean_ape) << " / "
    << pct(a.speedup.max_ape) << " |\n";
  s << "| per-token latency error: median / mean / max | " << pct(b.per_token.median_ape) << " / " << pct(b.per_token.mean_ape)
    << " / " << pct(b.per_token.max_ape) << " | " << pct(a.per_token.median_ape) << " / " << pct(a.per_token.mean_ape)
    << " / " << pct(a.per_token.max_ape) << " |\n";
  if (b.iteration.n > 0 || a.iteration.n > 0) {
    s << "| time per iteration error (cost model) | " << three(b.iteration) << " | " << three(a.iteration) << " |\n";
    s << "| speedup error with the measured tokens per iteration | " << three(b.speedup_known_acceptance) << " | "
      << three(a.speedup_known_acceptance) << " |\n";
  }
  s << "| Spearman ρ | " << fx(b.spearman) << " | " << fx(a.spearman) << " |\n";
  s << "| regret | " << pct(b.regret) << " | " << pct(a.regret) << " |\n";
  return s.str();
}

nlohmann::json metrics_json(const ValidationMetrics& m) {
  return {{"plans", m.plans},
          {"speedup_ape", {{"median", m.speedup.median_ape}, {"mean", m.speedup.mean_ape}, {"max", m.speedup.max_ape}}},
          {"per_token_ape", {{"median", m.per_token.median_ape}, {"mean", m.per_token.mean_ape}, {"max", m.per_token.max_ape}}},
          {"iteration_ape", {{"median", m.iteration.median_ape}, {"mean", m.iteration.mean_ape}, {"max", m.iteration.max_ape}}},
          {"speedup_known_acceptance_ape",
           {{"median", m.speedup_known_acceptance.median_ape},
            {"mean", m.speedup_known_acceptance.mean_ape},
            {"max", m.speedup_known_acceptance.max_ape}}},
          {"spearman", m.spearman},
          {"regret", m.regret}};
}
ValidationMetrics metrics_read(const nlohmann::json& j) {
  ValidationMetrics m;
  m.plans = j.at("plans");
  m.speedup.n = m.per_token.n = m.plans;
  m.speedup.median_ape = j.at("speedup_ape").at("median");
  m.speedup.mean_ape = j.at("speedup_ape").at("mean");
  m.speedup.max_ape = j.at("speedup_ape").at("max");
  m.per_token.median_ape = j.at("per_token_ape").at("median");
  m.per_token.mean_ape = j.at("per_token_ape").at("mean");
  m.per_token.max_ape = j.at("per_token_ape").at("max");
  auto optional = [&](const char* key, ErrorStats& e) {  // absent in files written before they existed
    if (!j.contains(key)) return;
    e.n = m.plans;
    e.median_ape = j.at(key).at("median");
    e.mean_ape = j.at(key).at("mean");
    e.max_ape = j.at(key).at("max");
  };
  optional("iteration_ape", m.iteration);
  optional("speedup_known_acceptance_ape", m.speedup_known_acceptance);
  m.spearman = j.at("spearman");
  m.regret = j.at("regret");
  return m;
}
}  // namespace

CalibrationSplit split_plans(const Validation& v, double fit_fraction, const std::vector<std::string>& fit_ids,
                             const std::string& where) {
  CalibrationSplit s;
  std::vector<std::string> measured;
  for (const auto& o : v.plans)
    if (o.measured) measured.push_back(o.id);
  if (fit_ids.empty()) {
    check(fit_fraction > 0 && fit_fraction < 1, "--fit-fraction", "must be in (0, 1), got " + fx(fit_fraction, "%g"));
    for (size_t i = 0; i < measured.size(); ++i) {
      const bool fit = std::ceil((double(i) + 1) * fit_fraction - 1e-9) > std::ceil(double(i) * fit_fraction - 1e-9);
      (fit ? s.fit : s.held_out).push_back(measured[i]);
    }
    s.rule = "fit fraction " + fx(fit_fraction, "%g") + ": measured plan i (in order) is fitted when ⌈(i+1)·f⌉ > ⌈i·f⌉" +
             (std::fabs(fit_fraction - 0.5) < 1e-12 ? " (the 1st, 3rd, 5th, ...)" : "");
  } else {
    std::set<std::string> want(fit_ids.begin(), fit_ids.end());
    for (const auto& id : fit_ids)
      check(std::find(measured.begin(), measured.end(), id) != measured.end(), "--fit-plans",
            "plan '" + id + "' is not a measured plan of " + where);
    for (const auto& id : measured) (want.count(id) ? s.fit : s.held_out).push_back(id);
    s.rule = "the plans given by --fit-plans";
  }
  check(!s.fit.empty(), where, "no measured plan to fit on (" + std::to_string(measured.size()) + " measured)");
  check(!s.held_out.empty(), where, "no measured plan left to hold out (" + std::to_string(measured.size()) + " measured)");
  return s;
}

std::vector<FitObservation> observations(const Validation& v, const Profile& prof, const std::vector<std::string>& ids,
                                         bool with_baselines) {
  std::vector<FitObservation> out;
  for (const auto& o : v.plans) {
    if (!o.measured || std::find(ids.begin(), ids.end(), o.id) == ids.end()) continue;
    // Another engine's plans (llama.cpp) have the iteration total only; their baseline is plain
    // decoding at the validation's baseline thread count, one token per iteration.
    const bool phases = v.engine == "hetspec";
    out.push_back({o.id, o.plan, o.plan_arm.phases, phases ? 0.0 : o.plan_arm.iter_us});
    if (!phases) {
      if (with_baselines && o.baseline_arm.per_token_us > 0 && o.plan.gamma > 0) {
        const Plan* b = nullptr;
        for (const auto& x : v.plans)
          if (x.plan.gamma == 0 && x.description == o.baseline_arm.placement) b = &x.plan;
        if (b) out.push_back({o.id + "/baseline", *b, PhaseTimes{}, o.baseline_arm.per_token_us});
      }
      continue;
    }
    const int bpu = baseline_pu(o.baseline_arm.placement, prof);
    if (!with_baselines || bpu < 0 || o.baseline_arm.iter_us <= 0) continue;
    Plan b;
    b.threads = o.plan.threads;
    b.target.pu = b.target.head_pu = bpu;
    b.target.dtype = o.plan.target.dtype;
    out.push_back({o.id + "/baseline", b, o.baseline_arm.phases});
  }
  return out;
}

std::optional<CalibrationComparison> compare_calibration(const Validation& v, const Profile& calibrated,
                                                         const std::string& calibrated_path, const ModelSpec& draft,
                                                         const ModelSpec& target, Validation* repredicted) {
  const Calibration& cal = calibrated.calibration;
  if (cal.empty()) return std::nullopt;
  CalibrationComparison c;
  for (const auto& o : v.plans) {
    if (!o.measured) continue;
    if (std::count(cal.held_out_plans.begin(), cal.held_out_plans.end(), o.id)) c.split.held_out.push_back(o.id);
    if (std::count(cal.fit_plans.begin(), cal.fit_plans.end(), o.id)) c.split.fit.push_back(o.id);
  }
  if (c.split.held_out.empty()) return std::nullopt;
  c.split.rule = cal.split;
  c.source = cal.source;
  const Profile before = uncalibrated(calibrated);
  c.terms = terms_lines(cal, &before);
  Validation vb = v, va = v;
  repredict(vb, before, calibrated_path + " without its calibration", draft, target);
  repredict(va, calibrated, calibrated_path, draft, target);
  c.profile_before = calibrated.name + " (uncalibrated)";
  c.profile_after = calibrated.name + " (calibrated: " + calibrated_path + ")";
  c.before = validation_metrics(vb, c.split.held_out);
  c.after = validation_metrics(va, c.split.held_out);
  if (!c.split.fit.empty()) {
    c.fit_before = validation_metrics(vb, c.split.fit);
    c.fit_after = validation_metrics(va, c.split.fit);
  }
  c.phases = phase_errors(observations(v, calibrated, c.split.held_out, false), before, calibrated, draft, target,
                          v.acceptance, workload_of(v));
  if (repredicted) *repredicted = va;
  return c;
}

CalibrateResult calibrate(const Validation& v, const Profile& profile, const std::string& profile_path, const ModelSpec& draft,
                          const ModelSpec& target, const CalibrationSplit& split, const Calibration& provenance,
                          const std::string& out_path) {
  for (const auto& o : v.plans)
    for (int pu : {o.plan.target.pu, o.plan.target.split_pu, o.plan.target.head_pu, o.plan.draft.pu, o.plan.draft.head_pu})
      check(pu < int(profile.pus.size()), profile_path, "has fewer PUs than the validation's plans use");
  FitInput in;
  in.profile = uncalibrated(profile);
  in.draft = draft;
  in.target = target;
  in.acceptance = v.acceptance;
  in.workload = workload_of(v);
  in.observations = observations(v, in.profile, split.fit, true);
  FitResult fit = fit_calibration(in);
  Calibration cal = fit.terms;
  cal.source = provenance.source;
  cal.date = provenance.date;
  cal.command = provenance.command;
  cal.split = split.rule;
  cal.fit_plans = split.fit;
  cal.held_out_plans = split.held_out;
  CalibrateResult r;
  r.calibrated = with_calibration(in.profile, cal);
  auto cmp = compare_calibration(v, r.calibrated, out_path, draft, target, &r.repredicted);
  check(cmp.has_value(), provenance.source, "nothing was fitted (no feasible measured plan in the fit split)");
  r.comparison = *cmp;
  r.comparison.split = split;
  r.calibrated.calibration.before = error_of(r.comparison.before);
  r.calibrated.calibration.after = error_of(r.comparison.after);
  return r;
}

std::string calibration_markdown(const CalibrationComparison& c) {
  std::ostringstream s;
  s << "## Calibration: error before and after, on plans not used for fitting\n\n";
  s << "- before: " << c.profile_before << "\n- after: " << c.profile_after << "\n";
  if (!c.source.empty()) s << "- fitted on the traces of: " << c.source << "\n";
  s << "- split: " << c.split.rule << "\n";
  s << "- fit plans (" << c.split.fit.size() << "): " << join(c.split.fit) << "\n";
  s << "- held-out plans (" << c.split.held_out.size() << "): " << join(c.split.held_out) << "\n";
  s << "\nFitted terms (on top of the profile's own numbers, which stay as measured):\n\n" << c.terms;
  s << "\n" << metrics_table(c.before, c.after, "held-out plans") << "\n";
  if (c.fit_after.plans > 0) s << metrics_table(c.fit_before, c.fit_after, "fit plans, for reference") << "\n";
  if (!c.phases.empty()) {
    s << "| phase (held-out; mean abs error, % of the measured iteration) | before | after |\n|---|---|---|\n";
    for (const auto& p : c.phases) s << "| " << p.phase << " | " << pct(p.before) << " | " << pct(p.after) << " |\n";
  }
  return s.str();
}

std::string calibration_summary(const CalibrationComparison& c) {
  std::ostringstream s;
  s << "split: " << c.split.rule << "\n  fit (" << c.split.fit.size() << "): " << join(c.split.fit)
    << "\n  held out (" << c.split.held_out.size() << "): " << join(c.split.held_out) << "\n";
  s << "fitted terms:\n";
  std::istringstream t(c.terms);
  for (std::string line; std::getline(t, line);) s << "  " << line.substr(2) << "\n";
  auto row = [&](const char* name, const std::string& b, const std::string& a) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "  %-34s %-24s %s\n", name, b.c_str(), a.c_str());
    s << buf;
  };
  s << "held-out plans (" << c.after.plans << "):\n";
  row("", "before", "after");
  row("speedup error median/mean/max", three(c.before.speedup), three(c.after.speedup));
  row("per-token error median/mean/max", three(c.before.per_token), three(c.after.per_token));
  row("iteration time error med/mean/max", three(c.before.iteration), three(c.after.iteration));
  row("speedup err., measured tok/iter", three(c.before.speedup_known_acceptance), three(c.after.speedup_known_acceptance));
  row("Spearman", fx(c.before.spearman), fx(c.after.spearman));
  row("regret", pct(c.before.regret), pct(c.after.regret));
  s << "per phase (held-out, mean abs error as % of the iteration):\n";
  for (const auto& p : c.phases) row(p.phase.c_str(), pct(p.before), pct(p.after));
  return s.str();
}

nlohmann::json calibration_json(const CalibrationComparison& c) {
  nlohmann::json phases = nlohmann::json::array();
  for (const auto& p : c.phases) phases.push_back({{"phase", p.phase}, {"n", p.n}, {"before", p.before}, {"after", p.after}});
  return {{"source", c.source},
          {"profile_before", c.profile_before},
          {"profile_after", c.profile_after},
          {"split", c.split.rule},
          {"fit_plans", c.split.fit},
          {"held_out_plans", c.split.held_out},
          {"terms", c.terms},
          {"held_out", {{"before", metrics_json(c.before)}, {"after", metrics_json(c.after)}}},
          {"fit", {{"before", metrics_json(c.fit_before)}, {"after", metrics_json(c.fit_after)}}},
          {"phases", phases}};
}

CalibrationComparison calibration_from_json(const nlohmann::json& j, const std::string& where) {
  CalibrationComparison c;
  try {
    c.source = j.at("source");
    c.profile_before = j.at("profile_before");
    c.profile_after = j.at("profile_after");
    c.split.rule = j.at("split");
    c.split.fit = j.at("fit_plans").get<std::vector<std::string>>();
    c.split.held_out = j.at("held_out_plans").get<std::vector<std::string>>();
    c.before = metrics_read(j.at("held_out").at("before"));
    c.after = metrics_read(j.at("held_out").at("after"));
    c.fit_before = metrics_read(j.at("fit").at("before"));
    c.fit_after = metrics_read(j.at("fit").at("after"));
    for (const auto& p : j.at("phases")) c.phases.push_back({p.at("phase"), p.at("n"), p.at("before"), p.at("after")});
    c.terms = j.at("terms");  // as text: the report shows them, the calibrated profile holds the numbers
  } catch (const nlohmann::json::exception& e) {
    throw Error(where + ": calibration", std::string("malformed: ") + e.what());
  }
  return c;
}

std::optional<CalibrationComparison> calibration_in_json(const std::string& text, const std::string& where) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(where, std::string("not JSON: ") + e.what());
  }
  if (!j.is_object() || !j.contains("calibration")) return std::nullopt;
  return calibration_from_json(j.at("calibration"), where);
}

}  // namespace hetspec
