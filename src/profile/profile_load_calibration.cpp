// The profile's `calibration:` block (written by `hetspec calibrate`), read as strictly as the rest:
// unknown keys, PUs the profile lacks, absurd or non-finite values are errors naming the key.
#include <cmath>

#include "profile_parse.hpp"

namespace hetspec::profile_parse {

namespace {
// A signed correction in µs: finite and within ±limit.
double signed_us(const YamlMap& y, const std::string& key, double limit) {
  const double v = y.get<double>(key);
  if (!std::isfinite(v) || std::fabs(v) > limit)
    throw Error(y.where(key), "must be a finite number within ±" + std::to_string(limit) + " (µs), got " + y.node()[key].Scalar());
  return v;
}

double unit_interval(const YamlMap& y, const std::string& key) {
  const double v = y.get<double>(key);
  if (!std::isfinite(v) || v < 0 || v > 1) throw Error(y.where(key), "must be in [0, 1], got " + y.node()[key].Scalar());
  return v;
}

std::string pu_id(const YamlMap& y, const std::string& key, const std::set<std::string>& ids) {
  std::string id = y.get<std::string>(key);
  if (!ids.count(id)) throw Error(y.where(key), "names PU '" + id + "' that this profile lacks");
  return id;
}

CalibrationError parse_error(const YamlMap& y) {
  CalibrationError e;
  e.plans = y.get<int>("plans");
  if (e.plans < 0) throw Error(y.where("plans"), "must be >= 0");
  e.speedup_median = y.non_negative("speedup_median");
  e.speedup_max = y.non_negative("speedup_max");
  e.per_token_median = y.non_negative("per_token_median");
  e.spearman = y.get<double>("spearman");
  if (!std::isfinite(e.spearman) || std::fabs(e.spearman) > 1) throw Error(y.where("spearman"), "must be in [-1, 1]");
  e.regret = unit_interval(y, "regret");
  y.done();
  return e;
}
}  // namespace

Calibration parse_calibration(const YamlMap& y, const std::set<std::string>& ids) {
  Calibration c;
  for (auto& f : y.maps_or_empty("forward")) {
    CalibratedForward t;
    t.pu = pu_id(f, "pu", ids);
    t.model = f.get<std::string>("model");
    if (t.model.empty()) throw Error(f.where("model"), "must not be empty");
    t.forward_us = signed_us(f, "forward_us", 1e6);
    t.token_us = f.has("token_us") ? signed_us(f, "token_us", 1e6) : 0;
    t.max_tokens = f.has("max_tokens") ? f.positive_int("max_tokens") : 0;
    f.done();
    c.forward.push_back(t);
  }
  for (auto& h : y.maps_or_empty("handoff")) {
    c.handoff.push_back({pu_id(h, "pu", ids), signed_us(h, "us", 1e6)});
    h.done();
  }
  c.host_greedy_ns_per_vocab = bounded(y, "host_greedy_ns_per_vocab", 1e6, true, 0, false);
  c.host_draft_ns_per_vocab = bounded(y, "host_draft_ns_per_vocab", 1e6, true, 0, false);
  for (auto& cy : y.maps_or_empty("contention")) {
    Contention k{pu_id(cy, "a", ids), pu_id(cy, "b", ids), fraction(cy, "a_share", 1), fraction(cy, "b_share", 1)};
    cy.done();
    c.contention.push_back(k);
  }
  for (auto& o : y.maps_or_empty("overlap")) {
    c.overlap.push_back({pu_id(o, "draft", ids), pu_id(o, "target", ids), unit_interval(o, "hidden")});
    o.done();
  }
  c.source = y.get_or<std::string>("source", "");
  c.date = y.get_or<std::string>("date", "");
  c.command = y.get_or<std::string>("command", "");
  c.split = y.get_or<std::string>("split", "");
  if (y.has("fit_plans")) c.fit_plans = y.list<std::string>("fit_plans");
  if (y.has("held_out_plans")) c.held_out_plans = y.list<std::string>("held_out_plans");
  if (y.has("held_out_error")) {
    YamlMap e = y.map("held_out_error");
    c.before = parse_error(e.map("before"));
    c.after = parse_error(e.map("after"));
    e.done();
  }
  y.done();
  return c;
}

}  // namespace hetspec::profile_parse
