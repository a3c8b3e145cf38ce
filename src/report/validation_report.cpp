#include "hetspec/report/validation_report.hpp"
#include "hetspec/core/output_stamp.hpp"
#include "hetspec/core/text_escape.hpp"
#include "hetspec/core/utf8.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hetspec/core/error.hpp"
#include "hetspec/report/break_even.hpp"
#include "hetspec/report/calibration_report.hpp"
#include "hetspec/report/phase_json.hpp"
#include "hetspec/report/repeatability.hpp"
#include "hetspec/report/svg.hpp"
#include "hetspec/report/verify_curve.hpp"
#include "number_format.hpp"

namespace hetspec {

namespace {
using nlohmann::json;

const char* kPhaseNames[] = {"draft", "verify", "catchup", "host", "transfer", "handoff", "overlap"};
std::vector<double> phase_values(const PhaseTimes& p) {
  return {p.draft, p.verify, p.catchup, p.host, p.transfer, p.handoff, p.overlap};
}
json placement_json(const ModelPlacement& p) {
  return {{"pu", p.pu}, {"split_pu", p.split_pu}, {"split", p.split}, {"head_pu", p.head_pu}, {"dtype", dtype_name(p.dtype)}};
}
ModelPlacement placement_read(const json& j) {
  ModelPlacement p;
  p.pu = j.at("pu");
  p.split_pu = j.at("split_pu");
  p.split = j.at("split");
  p.head_pu = j.at("head_pu");
  auto d = parse_dtype(j.at("dtype").get<std::string>());
  if (!d) throw Error("dtype", "unknown dtype");
  p.dtype = *d;
  return p;
}
json acc_json(const std::vector<PositionAcceptance>& a) {
  json arr = json::array();
  for (const auto& p : a)
    arr.push_back({{"position", p.position}, {"reached", p.reached}, {"accepted", p.accepted}, {"rate", p.rate.value},
                   {"lo95", p.rate.lo}, {"hi95", p.rate.hi}});
  return arr;
}
std::vector<PositionAcceptance> acc_read(const json& j) {
  std::vector<PositionAcceptance> out;
  for (const auto& e : j) {
    PositionAcceptance p;
    p.position = e.at("position");
    p.reached = e.at("reached");
    p.accepted = e.at("accepted");
    p.rate = Interval{e.at("rate"), e.at("lo95"), e.at("hi95")};
    out.push_back(p);
  }
  return out;
}
json arm_json(const ArmSummary& a) {
  return {{"name", a.name},         {"placement", a.placement},   {"gamma", a.gamma},
          {"mode", a.mode},         {"requests", a.requests},     {"tokens", a.tokens},
          {"tokens_per_s", a.tokens_per_s}, {"per_token_us", a.per_token_us}, {"ttft_us", a.ttft_us},
          {"request_us", a.request_us}, {"iter_us", a.iter_us}, {"tokens_per_iter", a.tokens_per_iter},
          {"p_all_accepted", a.p_all_accepted}, {"predrafted", a.predrafted}, {"host_share", a.host_share},
          {"phases", phases_json(a.phases)}, {"acceptance", acc_json(a.acceptance)}};
}
ArmSummary arm_read(const json& j) {
  ArmSummary a;
  a.name = j.at("name");
  a.placement = j.at("placement");
  a.gamma = j.at("gamma");
  a.mode = j.at("mode");
  a.requests = j.at("requests");
  a.tokens = j.at("tokens");
  a.tokens_per_s = j.at("tokens_per_s");
  a.per_token_us = j.at("per_token_us");
  a.ttft_us = j.at("ttft_us");
  a.request_us = j.at("request_us");
  a.iter_us = j.at("iter_us");
  a.tokens_per_iter = j.at("tokens_per_iter");
  a.p_all_accepted = j.at("p_all_accepted");
  a.predrafted = j.at("predrafted");
  a.host_share = j.at("host_share");
  a.phases = phases_from_json(j.at("phases"));
  a.acceptance = acc_read(j.at("acceptance"));
  return a;
}

std::string placement_key(const PlanOutcome& o) {  // description without γ and mode
  std::string d = o.description;
  auto g = d.find(" gamma=");
  return g == std::string::npos ? d : d.substr(0, g) + " " + mode_name(o.plan.mode);
}
using report_fmt::fx;
using report_fmt::pct;
using report_fmt::three;

json ape_json(const ErrorStats& e) { return {{"median", e.median_ape}, {"mean", e.mean_ape}, {"max", e.max_ape}}; }
json error_sources_json(const ValidationMetrics& m) {
  return {{"baseline_per_token_ape", ape_json(m.baseline)},
          {"tokens_per_iter_ape", ape_json(m.tokens_per_iter)},
          {"iteration_ape", ape_json(m.iteration)},
          {"speedup_known_acceptance_ape", ape_json(m.speedup_known_acceptance)}};
}
}  // namespace

ValidationMetrics validation_metrics(const Validation& v) { return validation_metrics(v, {}); }

ValidationMetrics validation_metrics(const Validation& v, const std::vector<std::string>& only) {
  ValidationMetrics m;
  std::vector<double> ps, ms, pt, mt, pb, mb, pn, mn, pi, mi, pk;
  std::vector<const PlanOutcome*> used;
  std::map<std::string, double> phase_gap;
  for (const auto& o : v.plans) {
    if (!o.measured) continue;
    if (!only.empty() && std::find(only.begin(), only.end(), o.id) == only.end()) continue;
    used.push_back(&o);
    ps.push_back(o.predicted.speedup);
    ms.push_back(o.speedup.value);
    pt.push_back(o.predicted.per_token_us);
    mt.push_back(o.plan_arm.per_token_us);
    pb.push_back(o.predicted_baseline_us);
    mb.push_back(o.baseline_arm.per_token_us);
    pn.push_back(o.predicted.tokens_per_iter);
    mn.push_back(o.plan_arm.tokens_per_iter);
    pi.push_back(o.predicted.iter_us);
    mi.push_back(o.plan_arm.iter_us);
    const bool tpi_ok = o.predicted.tokens_per_iter > 0 && o.plan_arm.tokens_per_iter > 0;
    pk.push_back(tpi_ok ? o.predicted.speedup * o.plan_arm.tokens_per_iter / o.predicted.tokens_per_iter : NAN);
    if (o.plan.gamma > 0 && std::isfinite(o.predicted_band.lo) && std::isfinite(o.predicted_band.hi)) {
      m.banded++;
      if (o.speedup.value >= o.predicted_band.lo && o.speedup.value <= o.predicted_band.hi) m.inside_band++;
      if (o.speedup.hi >= o.predicted_band.lo && o.speedup.lo <= o.predicted_band.hi) m.overlapping_band++;
    }
    auto pv = phase_values(o.predicted.phases), mv = phase_values(o.plan_arm.phases);
    for (int i = 0; i < 7; ++i) phase_gap[kPhaseNames[i]] += std::fabs(pv[size_t(i)] - mv[size_t(i)]);
  }
  m.plans = int(used.size());
  m.speedup = error_stats(ps, ms);
  m.per_token = error_stats(pt, mt);
  m.baseline = error_stats(pb, mb);
  m.tokens_per_iter = error_stats(pn, mn);
  m.iteration = error_stats(pi, mi);
  m.speedup_known_acceptance = error_stats(pk, ms);
  m.spearman = spearman(ps, ms);
  m.regret = regret(ps, ms);
  if (!used.empty()) {
    size_t pb = 0, mb = 0;
    for (size_t i = 1; i < used.size(); ++i) {
      if (ps[i] > ps[pb]) pb = i;
      if (ms[i] > ms[mb]) mb = i;
    }
    m.predicted_best = used[pb]->id + " " + used[pb]->description;
    m.measured_best = used[mb]->id + " " + used[mb]->description;
    double worst = -1;
    for (auto& [k, g] : phase_gap)
      if (g > worst) worst = g, m.worst_phase = k;
    if (v.engine != "hetspec") m.worst_phase = "not measured (" + v.engine + " prints no per-phase times)";
  }
  return m;
}

std::string validation_to_json(const Validation& v, const CalibrationComparison* cal, const Repeatability* rep) {
  json j;
  stamp_output(j, "hetspec.validation/1");
  j["profile"] = v.profile_name;
  j["profile_path"] = v.profile_path;
  j["host"] = v.host;
  j["engine"] = v.engine;
  j["date"] = v.date;
  j["target"] = v.target;
  j["draft"] = v.draft;
  j["timing_mode"] = v.timing_mode;
  j["acceptance"] = {{"alpha", v.acceptance.alpha}, {"source", v.acceptance.source}};
  j["acceptance_measured"] = acc_json(v.acceptance_measured);
  j["acceptance_per_prompt"] = json::array();  // per calibration prompt: [accepted, reached] per position
  for (const auto& pp : v.acceptance_per_prompt) {
    json row = json::array();
    for (const auto& c : pp) row.push_back({c.accepted, c.reached});
    j["acceptance_per_prompt"].push_back(row);
  }
  j["acceptance_by_target"] = json::object();
  for (const auto& [key, a] : v.acceptance_by_target) j["acceptance_by_target"][key] = {{"alpha", a.alpha}, {"source", a.source}};
  if (!v.plain_terms.empty()) {
    j["plain_terms"] = json::array();
    for (const auto& f : v.plain_terms)
      j["plain_terms"].push_back({{"pu", f.pu}, {"threads", f.threads}, {"profile_us", f.profile_us}, {"fitted_us", f.fitted_us}, {"runs", f.runs}});
  }
  j["workload"] = {{"prompt_tokens", v.workload.prompt_tokens}, {"gen_tokens", v.workload.gen_tokens}};
  j["break_even_alpha"] = v.break_even_alpha;
  {  // derived (a rebuilt report recomputes them): the verdict and the verify curves
    const BreakEvenVerdict b = break_even_verdict(v);
    j["break_even_verdict"] = {{"verdict", b.verdict}};
    if (b.measured)
      j["break_even_verdict"]["acceptance_pooled"] = {{"value", b.pooled.value}, {"lo95", b.pooled.lo}, {"hi95", b.pooled.hi}};
    json curves = json::array();
    for (const auto& c : verify_curves(v)) {
      json pts = json::array(), mpts = json::array();
      for (const auto& q : c.predicted) pts.push_back({{"m", q.x}, {"ratio", q.y}});
      for (const auto& q : c.measured) mpts.push_back({{"m", q.x}, {"ratio", q.y}});
      curves.push_back({{"target", c.pu}, {"predicted", pts}, {"measured", mpts}});
    }
    j["verify_curves"] = curves;
  }
  json plans = json::array();
  for (const auto& o : v.plans) {
    json p = {{"id", o.id},
              {"description", o.description},
              {"gamma", o.plan.gamma},
              {"mode", mode_name(o.plan.mode)},
              {"threads", o.plan.threads},
              {"target", placement_json(o.plan.target)},
              {"draft", placement_json(o.plan.draft)},
              {"predicted",
               {{"feasible", o.predicted.feasible},
                {"reason", o.predicted.reason},
                {"per_token_us", o.predicted.per_token_us},
                {"iter_us", o.predicted.iter_us},
                {"tokens_per_iter", o.predicted.tokens_per_iter},
                {"ttft_us", o.predicted.ttft_us},
                {"speedup", o.predicted.speedup},
                {"dominant", o.predicted.dominant},
                {"phases", phases_json(o.predicted.phases)}}},
              {"predicted_baseline_us", o.predicted_baseline_us},
              {"measured", o.measured}};
    if (std::isfinite(o.predicted_band.lo) && std::isfinite(o.predicted_band.hi))
      p["predicted"]["speedup_band"] = {{"lo95", o.predicted_band.lo}, {"hi95", o.predicted_band.hi}};
    if (o.measured) {
      p["plan_arm"] = arm_json(o.plan_arm);
      p["baseline_arm"] = arm_json(o.baseline_arm);
      p["speedup"] = {{"value", o.speedup.value}, {"lo95", o.speedup.lo}, {"hi95", o.speedup.hi}};
    }
    plans.push_back(p);
  }
  j["plans"] = plans;
  ValidationMetrics m = validation_metrics(v);
  j["metrics"] = {{"plans", m.plans},
                  {"speedup_ape", {{"median", m.speedup.median_ape}, {"mean", m.speedup.mean_ape}, {"max", m.speedup.max_ape}}},
                  {"per_token_ape", {{"median", m.per_token.median_ape}, {"mean", m.per_token.mean_ape}, {"max", m.per_token.max_ape}}},
                  {"error_sources", error_sources_json(m)},
                  {"spearman", m.spearman},
                  {"regret", m.regret},
                  {"predicted_best", m.predicted_best},
                  {"measured_best", m.measured_best},
                  {"worst_phase", m.worst_phase},
                  {"predicted_band", {{"plans", m.banded}, {"measured_inside", m.inside_band}, {"intervals_overlap", m.overlapping_band}}}};
  if (cal) j["calibration"] = calibration_json(*cal);
  if (rep) j["repeatability"] = json::parse(repeatability_json_text(*rep));
  return json_text(j, 2) + "\n";
}

Validation validation_from_json(const std::string& text, const std::string& where) {
  Validation v;
  try {
    json j = json::parse(text);
    if (j.at("schema") != "hetspec.validation/1") throw Error(where + ": schema", "expected hetspec.validation/1");
    v.profile_name = j.at("profile");
    v.profile_path = j.at("profile_path");
    v.host = j.at("host");
    v.engine = j.value("engine", "hetspec");
    v.date = j.at("date");
    v.target = j.at("target");
    v.draft = j.at("draft");
    v.timing_mode = j.at("timing_mode");
    v.acceptance.alpha = j.at("acceptance").at("alpha").get<std::vector<double>>();
    v.acceptance.source = j.at("acceptance").at("source");
    v.acceptance_measured = acc_read(j.at("acceptance_measured"));
    if (j.contains("acceptance_per_prompt"))  // since 2026-12-03
      for (const auto& row : j.at("acceptance_per_prompt")) {
        std::vector<AcceptCount> pp;
        for (const auto& c : row) {
          AcceptCount a{c.at(0).get<int64_t>(), c.at(1).get<int64_t>()};
          if (a.accepted < 0 || a.reached < a.accepted)
            throw Error(where + ": acceptance_per_prompt", "each count needs 0 <= accepted <= reached");
          pp.push_back(a);
        }
        v.acceptance_per_prompt.push_back(pp);
      }
    if (j.contains("acceptance_by_target"))  // absent before 2026-12-02
      for (const auto& [key, a] : j.at("acceptance_by_target").items()) {
        Acceptance& t = v.acceptance_by_target[key];
        t.alpha = a.at("alpha").get<std::vector<double>>();
        t.source = a.at("source");
        for (double x : t.alpha)
          if (!(x >= 0 && x <= 1)) throw Error(where + ": acceptance_by_target." + key, "alpha values must lie in [0, 1]");
      }
    if (j.contains("plain_terms"))  // llama.cpp validations since 2026-12-03
      for (const auto& t : j.at("plain_terms")) {
        PlainTermFit f;
        f.pu = t.at("pu");
        f.threads = t.at("threads");
        f.profile_us = t.at("profile_us");
        f.fitted_us = t.at("fitted_us");
        f.runs = t.at("runs");
        if (f.threads < 1 || !std::isfinite(f.fitted_us) || !std::isfinite(f.profile_us) || f.runs < 1)
          throw Error(where + ": plain_terms", "each needs threads >= 1, runs >= 1 and finite terms");
        v.plain_terms.push_back(f);
      }
    v.workload.prompt_tokens = j.at("workload").at("prompt_tokens");
    v.workload.gen_tokens = j.at("workload").at("gen_tokens");
    v.break_even_alpha = j.at("break_even_alpha");
    for (const auto& p : j.at("plans")) {
      PlanOutcome o;
      o.id = p.at("id");
      o.description = p.at("description");
      o.plan.gamma = p.at("gamma");
      o.plan.mode = p.at("mode") == "overlapped" ? Mode::Overlapped : Mode::Sequential;
      o.plan.threads = p.at("threads").get<std::vector<int>>();
      o.plan.target = placement_read(p.at("target"));
      o.plan.draft = placement_read(p.at("draft"));
      const json& e = p.at("predicted");
      o.predicted.feasible = e.at("feasible");
      o.predicted.reason = e.at("reason");
      o.predicted.per_token_us = e.at("per_token_us");
      o.predicted.iter_us = e.at("iter_us");
      o.predicted.tokens_per_iter = e.at("tokens_per_iter");
      o.predicted.ttft_us = e.at("ttft_us");
      o.predicted.speedup = e.at("speedup");
      o.predicted.dominant = e.at("dominant");
      o.predicted.phases = phases_from_json(e.at("phases"));
      if (e.contains("speedup_band"))  // since 2026-12-03
        o.predicted_band = Band{e.at("speedup_band").at("lo95"), e.at("speedup_band").at("hi95")};
      o.predicted_baseline_us = p.at("predicted_baseline_us");
      o.measured = p.at("measured");
      if (o.measured) {
        o.plan_arm = arm_read(p.at("plan_arm"));
        o.baseline_arm = arm_read(p.at("baseline_arm"));
        o.speedup = Interval{p.at("speedup").at("value"), p.at("speedup").at("lo95"), p.at("speedup").at("hi95")};
      }
      v.plans.push_back(o);
    }
  } catch (const json::exception& e) {
    throw Error(where, std::string("not a hetspec validation file: ") + e.what());
  }
  return v;
}

std::string validation_csv(const Validation& v) {
  std::ostringstream s;
  s << "id,gamma,mode,description,predicted_speedup,measured_speedup,measured_lo95,measured_hi95,speedup_error,"
       "predicted_per_token_us,measured_per_token_us,measured_baseline_per_token_us,predicted_tokens_per_iter,"
       "measured_tokens_per_iter";
  for (const char* n : kPhaseNames) s << ",pred_" << n << "_us";
  for (const char* n : kPhaseNames) s << ",meas_" << n << "_us";
  s << ",predicted_band_lo95,predicted_band_hi95\n";
  for (const auto& o : v.plans) {
    s << csv_field(o.id) << "," << o.plan.gamma << "," << mode_name(o.plan.mode) << "," << csv_field(o.description) << ","
      << o.predicted.speedup << ",";
    if (o.measured)
      s << o.speedup.value << "," << o.speedup.lo << "," << o.speedup.hi << ","
        << (o.predicted.speedup - o.speedup.value) / o.speedup.value;
    else
      s << ",,,";
    s << "," << o.predicted.per_token_us << "," << (o.measured ? o.plan_arm.per_token_us : 0) << ","
      << (o.measured ? o.baseline_arm.per_token_us : 0) << "," << o.predicted.tokens_per_iter << ","
      << (o.measured ? o.plan_arm.tokens_per_iter : 0);
    for (double x : phase_values(o.predicted.phases)) s << "," << x;
    for (double x : phase_values(o.plan_arm.phases)) s << "," << (o.measured ? x : 0);
    if (std::isfinite(o.predicted_band.lo) && std::isfinite(o.predicted_band.hi))
      s << "," << o.predicted_band.lo << "," << o.predicted_band.hi;
    else
      s << ",,";
    s << "\n";
  }
  return s.str();
}

namespace {

std::string scatter_svg(const Validation& v) {
  svg::Plot p;
  p.title = "Predicted vs measured speedup";
  p.xlabel = "predicted speedup (×)";
  p.ylabel = "measured speedup (×)";
  svg::Series pts{"plans (95% interval)", svg::kPalette[0], {}, false, true, false};
  double lo = 1e300, hi = 0;
  for (const auto& o : v.plans)
    if (o.measured) {
      pts.points.push_back({o.predicted.speedup, o.speedup.value, o.speedup.lo, o.speedup.hi});
      lo = std::min({lo, o.predicted.speedup, o.speedup.lo});
      hi = std::max({hi, o.predicted.speedup, o.speedup.hi});
    }
  if (pts.points.empty()) lo = 0, hi = 1;
  lo = std::max(0.0, lo * 0.9);
  hi *= 1.1;
  p.series.push_back(pts);
  p.series.push_back({"y = x", "#444", {{lo, lo}, {hi, hi}}, true, false, true});
  p.bands.push_back({{{lo, lo * 0.95}, {hi, hi * 0.95}, {hi, hi * 1.05}, {lo, lo * 1.05}}, "#e6f0e6"});
  p.xmin = p.ymin = lo;
  p.xmax = p.ymax = hi;
  return p.render();
}

std::string gamma_svg(const Validation& v) {
  svg::Plot p;
  p.title = "Speedup vs γ per placement: predicted (line), measured (points, 95%)";
  p.xlabel = "γ (draft length)";
  p.ylabel = "speedup over the best single-PU plain decoding (×)";
  p.width = 1150;
  p.legend_width = 520;
  std::map<std::string, std::vector<const PlanOutcome*>> by;
  for (const auto& o : v.plans)
    if (o.plan.gamma > 0) by[placement_key(o)].push_back(&o);
  int c = 0;
  for (auto& [k, os] : by) {
    std::sort(os.begin(), os.end(), [](auto a, auto b) { return a->plan.gamma < b->plan.gamma; });
    svg::Series pred{"", svg::kPalette[c % 10], {}, true, false, true}, meas{k, svg::kPalette[c % 10], {}, false, true, false};
    for (auto o : os) {
      pred.points.push_back({double(o->plan.gamma), o->predicted.speedup, 0, 0});
      if (o->measured) meas.points.push_back({double(o->plan.gamma), o->speedup.value, o->speedup.lo, o->speedup.hi});
    }
    p.series.push_back(pred);
    p.series.push_back(meas);
    ++c;
  }
  p.fit(true);
  return p.render();
}

std::string phases_svg(const Validation& v) {
  if (v.engine != "hetspec")
    return "<p>Per-phase times: not measured (" + svg::escape(v.engine) + " prints no per-phase times); the predicted phases are in plans.csv.</p>";
  svg::StackedBars b;
  b.title = "Per-iteration time by phase: predicted (pale) vs measured, µs";
  b.ylabel = "µs per iteration";
  b.width = std::min(1240.0, std::max(720.0, 46.0 * double(v.plans.size()) + 240));
  for (int i = 0; i < 6; ++i) {
    b.segment_labels.push_back(kPhaseNames[i]);
    b.segment_colors.push_back(svg::kPalette[i]);
  }
  for (const auto& o : v.plans) {
    if (!o.measured) continue;
    b.categories.push_back(o.id);
    auto pv = phase_values(o.predicted.phases), mv = phase_values(o.plan_arm.phases);
    // Overlap is negative (time hidden): shown by shrinking the largest of draft / verify.
    for (auto* vv : {&pv, &mv}) {
      double ov = (*vv)[6];
      size_t big = (*vv)[0] > (*vv)[1] ? 0 : 1;
      (*vv)[big] = std::max(0.0, (*vv)[big] + ov);
      vv->resize(6);
    }
    b.predicted.push_back(pv);
    b.measured.push_back(mv);
  }
  return b.render();
}

std::string acceptance_svg(const Validation& v) {
  svg::Plot p;
  p.title = "Acceptance per draft position";
  p.legend_width = 230;
  p.xlabel = "draft position i";
  p.ylabel = "α_i (conditional)";
  svg::Series used{"used by the predictions", "#444", {}, true, true, true};
  for (size_t i = 0; i < v.acceptance.alpha.size(); ++i) used.points.push_back({double(i + 1), v.acceptance.alpha[i], 0, 0});
  svg::Series meas{"measured (calibration, 95%)", svg::kPalette[1], {}, false, true, false};
  for (const auto& a : v.acceptance_measured)
    if (a.reached > 0) meas.points.push_back({double(a.position), a.rate.value, a.rate.lo, a.rate.hi});
  p.series.push_back(used);
  p.series.push_back(meas);
  p.fit(true);
  p.ymax = std::max(p.ymax, 1.0);
  return p.render();
}

// Predicted ÷ measured speedup = (baseline) · (tokens per iteration) · (time per iteration), one
// factor per source: the table gives each factor's error over the same plans.
std::string error_sources_table(const ValidationMetrics& m) {
  std::ostringstream s;
  s << "Where the speedup error lives (predicted ÷ measured speedup is the product of these three ratios):\n\n";
  s << "| source | error: median / mean / max |\n|---|---|\n";
  s << "| plain-decoding baseline, per-token time | " << three(m.baseline) << " |\n";
  s << "| acceptance estimate: tokens per iteration | " << three(m.tokens_per_iter) << " |\n";
  s << "| cost model: time per iteration | " << three(m.iteration) << " |\n";
  s << "| speedup error with the measured tokens per iteration (cost model alone) | " << three(m.speedup_known_acceptance)
    << " |\n";
  return s.str();
}

std::string summary_lines(const Validation& v, const ValidationMetrics& m) {
  std::ostringstream s;
  s << "- profile: " << v.profile_name << " (" << v.profile_path << ")\n- host: " << v.host << "\n- date: " << v.date
    << "\n- target: " << v.target << "\n- draft: " << v.draft << "\n- plans run by: " << v.engine << "\n";
  if (v.timing_mode) s << "- **timing mode**: acceptance drawn at α = the given rate; outputs are not the target's text\n";
  s << "- acceptance used: ";
  for (double a : v.acceptance.alpha) s << fx(a, "%.3f") << " ";
  s << "(" << v.acceptance.source << ")\n";
  for (const auto& [key, a] : v.acceptance_by_target) {
    s << "- acceptance used for target " << key << ": ";
    for (double x : a.alpha) s << fx(x, "%.3f") << " ";
    s << "(" << a.source << ")\n";
  }
  for (const auto& f : v.plain_terms)
    s << "- plain decoding's llama.cpp term on " << f.pu << " at " << f.threads << " threads: " << fx(f.fitted_us, "%.0f")
      << " µs/token, re-fitted on " << f.runs << " calibration prompts (the profile's: " << fx(f.profile_us, "%.0f") << ")\n";
  s << "- request shape: P = " << v.workload.prompt_tokens << " prompt tokens, G = " << v.workload.gen_tokens << " generated\n";
  s << break_even_line(break_even_verdict(v)) << "\n\n";
  s << "| metric | value |\n|---|---|\n";
  s << "| plans measured | " << m.plans << " |\n";
  s << "| speedup error: median / mean / max | " << pct(m.speedup.median_ape) << " / " << pct(m.speedup.mean_ape) << " / "
    << pct(m.speedup.max_ape) << " |\n";
  s << "| per-token latency error: median / mean / max | " << pct(m.per_token.median_ape) << " / " << pct(m.per_token.mean_ape)
    << " / " << pct(m.per_token.max_ape) << " |\n";
  s << "| Spearman ρ (predicted vs measured speedup) | " << fx(m.spearman) << " |\n";
  s << "| regret (speedup lost by taking the predicted best) | " << pct(m.regret) << " |\n";
  s << "| phase with the largest predicted − measured gap | " << m.worst_phase << " |\n";
  if (m.banded > 0)
    s << "| speculative plans measured inside their predicted 95 % band (calibration prompts resampled) / measured "
         "interval overlapping it | "
      << m.inside_band << " / " << m.overlapping_band << " of " << m.banded << " |\n";
  s << "| predicted best | " << m.predicted_best << " |\n| measured best | " << m.measured_best << " |\n";
  s << "\n" << error_sources_table(m);
  return s.str();
}

// With a calibration, a column says which plans were fitted and which held out.
std::string plan_table(const Validation& v, const CalibrationComparison* cal) {
  std::ostringstream s;
  s << "| id | plan | predicted × [band] | measured × [95%] | error | pred µs/token | meas µs/token | pred tok/iter | meas tok/iter | dominant (pred) |"
    << (cal ? " calibration |\n" : "\n");
  s << "|---|---|---|---|---|---|---|---|---|---|" << (cal ? "---|\n" : "\n");
  for (const auto& o : v.plans) {
    std::string split;
    if (cal) {
      const auto& f = cal->split.fit;
      const auto& h = cal->split.held_out;
      split = std::count(f.begin(), f.end(), o.id) ? " fit |" : std::count(h.begin(), h.end(), o.id) ? " held out |" : " |";
    }
    s << "| " << o.id << " | " << o.description << " | " << fx(o.predicted.speedup);
    if (o.plan.gamma > 0 && std::isfinite(o.predicted_band.lo) && std::isfinite(o.predicted_band.hi))
      s << " [" << fx(o.predicted_band.lo) << ", " << fx(o.predicted_band.hi) << "]";
    s << " | ";
    if (o.measured)
      s << fx(o.speedup.value) << " [" << fx(o.speedup.lo) << ", " << fx(o.speedup.hi) << "] | "
        << pct((o.predicted.speedup - o.speedup.value) / o.speedup.value) << " | ";
    else
      s << (o.predicted.feasible ? "not run" : "infeasible: " + o.predicted.reason) << " | | ";
    s << fx(o.predicted.per_token_us, "%.0f") << " | " << (o.measured ? fx(o.plan_arm.per_token_us, "%.0f") : "") << " | "
      << fx(o.predicted.tokens_per_iter, "%.2f") << " | " << (o.measured ? fx(o.plan_arm.tokens_per_iter, "%.2f") : "")
      << " | " << o.predicted.dominant << " |" << split << "\n";
  }
  return s.str();
}

}  // namespace

std::string validation_markdown(const Validation& v, const ValidationMetrics& m, const CalibrationComparison* cal,
                                const Repeatability* rep) {
  std::ostringstream s;
  s << "# Validation: predicted vs measured speculative decoding\n\n" << summary_lines(v, m) << "\n";
  if (rep) s << repeatability_markdown(*rep) << "\n";
  if (cal) s << calibration_markdown(*cal) << "\n";
  s << "Plots: `report.html` (self-contained). Every number: `validation.json`, `plans.csv`.\n\n## Plans\n\n" << plan_table(v, cal);
  return s.str();
}

std::string validation_html(const Validation& v, const ValidationMetrics& m, const CalibrationComparison* cal,
                            const Repeatability* rep) {
  // The markdown tables rendered as HTML tables (a tiny converter for the two table shapes we write).
  auto md_tables = [](const std::string& md) {
    std::ostringstream o;
    std::istringstream in(md);
    std::string line;
    bool table = false, header = false;
    while (std::getline(in, line)) {
      if (line.rfind("|", 0) == 0) {
        if (line.find("|---") == 0) continue;
        if (!table) o << "<table>\n", table = true, header = true;
        o << "<tr>";
        std::string cell;
        std::istringstream cs(line.substr(1));
        while (std::getline(cs, cell, '|')) o << (header ? "<th>" : "<td>") << svg::escape(cell) << (header ? "</th>" : "</td>");
        o << "</tr>\n";
        header = false;
      } else {
        if (table) o << "</table>\n", table = false;
        if (line.rfind("## ", 0) == 0) o << "<h2>" << svg::escape(line.substr(3)) << "</h2>\n";
        else if (line.rfind("- ", 0) == 0) o << "<div>" << svg::escape(line.substr(2)) << "</div>\n";
        else if (!line.empty()) o << "<p>" << svg::escape(line) << "</p>\n";
      }
    }
    if (table) o << "</table>\n";
    return o.str();
  };
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>hetspec validation</title>\n<style>"
       "body{font-family:sans-serif;margin:24px;max-width:1400px}table{border-collapse:collapse;font-size:12px;margin:12px 0}"
       "td,th{border:1px solid #ccc;padding:3px 6px}th{background:#f3f3f3}figure{margin:12px 0}</style></head><body>\n";
  h << "<h1>Validation: predicted vs measured speculative decoding</h1>\n" << md_tables(summary_lines(v, m));
  if (rep) h << md_tables(repeatability_markdown(*rep));
  if (cal) h << md_tables(calibration_markdown(*cal));
  h << "<figure id=\"scatter\">" << scatter_svg(v) << "</figure>\n";
  h << "<figure id=\"gamma\">" << gamma_svg(v) << "</figure>\n";
  h << "<figure id=\"phases\">" << phases_svg(v) << "</figure>\n";
  h << "<figure id=\"acceptance\">" << acceptance_svg(v) << "</figure>\n";
  h << "<figure id=\"verify\">" << verify_curve_svg(v) << "</figure>\n";
  h << "<h2>Plans</h2>\n" << md_tables(plan_table(v, cal));
  h << "</body></html>\n";
  return h.str();
}

void add_validation_report(AtomicWriteSet& w, const Validation& v, const std::string& dir, const CalibrationComparison* cal,
                           const Repeatability* rep) {
  const ValidationMetrics m = validation_metrics(v);
  w.add(dir + "/validation.json", validation_to_json(v, cal, rep));
  w.add(dir + "/plans.csv", validation_csv(v));
  w.add(dir + "/index.md", validation_markdown(v, m, cal, rep));
  w.add(dir + "/report.html", validation_html(v, m, cal, rep));
}

}  // namespace hetspec
