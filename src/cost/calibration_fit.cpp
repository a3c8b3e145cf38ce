#include "hetspec/cost/calibration_fit.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "hetspec/cost/executor_phases.hpp"
#include "robust_lsq.hpp"

namespace hetspec {

Profile with_calibration(Profile p, const Calibration& terms) {
  p.calibration = terms;
  p.resolve();
  return p;
}

namespace {

double measured_total(const PhaseTimes& p) { return std::max(1.0, p.total()); }

// The parameters' indices: per-forward and per-token terms keyed by (PU, model name), hand-off by PU.
struct Keys {
  std::map<std::pair<int, std::string>, int> forward, token;
  std::map<int, int> handoff;
  int host = -1, host_draft = -1, n = 0;
  int fwd(int pu, const std::string& model) {
    auto [it, added] = forward.try_emplace({pu, model}, n);
    if (added) ++n;
    return it->second;
  }
  int tok(int pu, const std::string& model) {
    auto [it, added] = token.try_emplace({pu, model}, n);
    if (added) ++n;
    return it->second;
  }
  int hand(int pu) {
    auto [it, added] = handoff.try_emplace(pu, n);
    if (added) ++n;
    return it->second;
  }
};

// Crossings handed over from each PU per forward of a placement.
void add_crossings(const ModelPlacement& pl, double times, Keys& k, LsqEquation& e) {
  if (pl.is_split()) e.coef[k.hand(pl.pu)] += times;
}

const char* kPhases[] = {"draft", "verify", "catchup", "host", "handoff", "overlap"};
std::vector<double> phase_vector(const PhaseTimes& p) {
  return {p.draft, p.verify, p.catchup, p.host, p.handoff + p.transfer, p.overlap};
}

}  // namespace

std::vector<PhaseError> phase_errors(const std::vector<FitObservation>& obs, const Profile& before, const Profile& after,
                                     const ModelSpec& draft, const ModelSpec& target, const Acceptance& acc,
                                     const Workload& w) {
  std::vector<PhaseError> out;
  for (const char* n : kPhases) out.push_back(PhaseError{n, 0, 0, 0});
  for (const auto& o : obs) {
    if (o.total_us > 0) continue;  // no phases measured
    const PhaseTimes meas = measured_phases(o.measured);
    const auto m = phase_vector(meas);
    const auto b = phase_vector(executor_phases(o.plan, draft, target, before, acc, w));
    const auto a = phase_vector(executor_phases(o.plan, draft, target, after, acc, w));
    const double tot = measured_total(o.measured);
    for (size_t i = 0; i < m.size(); ++i) {
      if (m[i] == 0 && b[i] == 0 && a[i] == 0) continue;
      out[i].n++;
      out[i].before += std::fabs(b[i] - m[i]) / tot;
      out[i].after += std::fabs(a[i] - m[i]) / tot;
    }
  }
  std::vector<PhaseError> kept;
  for (auto& e : out)
    if (e.n > 0) {
      e.before /= e.n;
      e.after /= e.n;
      kept.push_back(e);
    }
  return kept;
}

FitResult fit_calibration(const FitInput& in) {
  FitResult r;
  const Profile base = uncalibrated(in.profile);
  const int np = int(base.pus.size());
  const ModelSpec& D = in.draft;
  const ModelSpec& T = in.target;
  Keys k;
  k.host = k.n++;
  // Another engine's totals: its draft side's host pass gets its own term (llama.cpp sorts the draft's
  // candidates over the whole vocabulary; hetspec's executor takes an argmax on both sides).
  const bool split_host = std::any_of(in.observations.begin(), in.observations.end(),
                                      [](const FitObservation& o) { return o.total_us > 0; });
  if (split_host) k.host_draft = k.n++;
  std::vector<LsqEquation> eqs;
  std::map<std::pair<int, std::string>, int> max_m;  // largest forward seen per (PU, model)
  auto note_m = [&](const ModelPlacement& pl, const std::string& model, int n_layers, int m) {
    const auto sh = layer_shares(pl, n_layers);
    for (int p = 0; p < np; ++p)
      if (sh[size_t(p)] > 0) max_m[{p, model}] = std::max(max_m[{p, model}], m);
  };

  // Stage 1: sequential plans and γ = 0 arms.
  for (const auto& o : in.observations) {
    const Plan& pl = o.plan;
    if (pl.gamma > 0 && pl.mode == Mode::Overlapped) continue;
    const PlanTiming t = time_plan(pl, D, T, base, in.workload);
    if (!t.feasible) continue;
    const Estimate e = finish(t, pl, D, in.acceptance, in.workload);
    const PhaseTimes x0 = executor_phases(t, e, pl, in.acceptance);
    const PhaseTimes m = measured_phases(o.measured);
    const bool total_only = o.total_us > 0;
    const double w = 1.0 / (total_only ? o.total_us : measured_total(o.measured));
    const int g = pl.gamma;
    const size_t first_eq = eqs.size();
    const auto tsh = layer_shares(pl.target, T.n_layers);
    {  // verify: the target's forward of γ+1 tokens
      LsqEquation q;
      q.y = m.verify - x0.verify;
      q.w = w;
      for (int p = 0; p < np; ++p)
        if (tsh[size_t(p)] > 0) {
          q.coef[k.fwd(p, T.name)] += 1.0;
          // From totals alone the per-token slopes are not identifiable beside the per-forward terms
          // (the engine's own forwards, e.g. llama-bench's, measured the slope): fitted from phases only.
          if (g > 0 && !total_only) q.coef[k.tok(p, T.name)] += tsh[size_t(p)] * g;
        }
      note_m(pl.target, T.name, T.n_layers, g + 1);
      eqs.push_back(q);
    }
    if (g > 0) {
      const auto dsh = layer_shares(pl.draft, D.n_layers);
      LsqEquation q;  // draft: γ one-token forwards
      q.y = m.draft - x0.draft;
      q.w = w;
      for (int p = 0; p < np; ++p)
        if (dsh[size_t(p)] > 0) q.coef[k.fwd(p, D.name)] += g;
      note_m(pl.draft, D.name, D.n_layers, 1);
      eqs.push_back(q);
      if (e.p_all_accepted >= 0.1 && !total_only) {  // catch-up: a two-token forward instead of a one-token one (seen often enough)
        LsqEquation c;
        c.y = m.catchup - x0.catchup;
        c.w = w;
        for (int p = 0; p < np; ++p)
          if (dsh[size_t(p)] > 0) c.coef[k.tok(p, D.name)] += e.p_all_accepted * dsh[size_t(p)];
        note_m(pl.draft, D.name, D.n_layers, 2);
        eqs.push_back(c);
      }
    }
    {  // host: argmax passes over vocabulary rows (the fitted cost replaces the profile's)
      const auto [dr, tr] = host_rows(pl, in.acceptance);
      LsqEquation q;
      q.y = m.host;
      q.w = w;
      if (split_host) {
        q.coef[k.host] = tr * T.vocab * 1e-3;
        if (dr > 0) q.coef[k.host_draft] = dr * D.n_logits() * 1e-3;
      } else {
        q.coef[k.host] = (dr * D.n_logits() + tr * T.vocab) * 1e-3;
      }
      eqs.push_back(q);
    }
    if (pl.target.is_split() || (g > 0 && pl.draft.is_split())) {  // hand-off at layer-split crossings
      LsqEquation q;
      q.y = m.handoff - x0.handoff;
      q.w = w;
      add_crossings(pl.target, 1, k, q);
      if (g > 0) add_crossings(pl.draft, g, k, q);
      eqs.push_back(q);
    }
    if (total_only) {  // one equation: the sum of this plan's phase equations against its measured total
      LsqEquation sum;
      sum.w = w;
      sum.y = o.total_us - (x0.total() - x0.host);  // the fitted host cost replaces the profile's
      for (size_t i = first_eq; i < eqs.size(); ++i)
        for (auto [j, c] : eqs[i].coef) sum.coef[j] += c;
      eqs.resize(first_eq);
      eqs.push_back(sum);
    }
  }
  std::vector<double> lower(size_t(k.n), -1e300);
  lower[size_t(k.host)] = 0;
  if (split_host) lower[size_t(k.host_draft)] = 0;
  const std::vector<double> theta = robust_lsq(eqs, k.n, lower);
  r.equations = int(eqs.size());

  Calibration c;
  std::map<std::pair<int, std::string>, CalibratedForward> fw;
  for (auto& [key, idx] : k.forward) {
    CalibratedForward& f = fw[key];
    f.pu = base.pus[size_t(key.first)].id;
    f.model = key.second;
    f.forward_us = theta[size_t(idx)];
  }
  for (auto& [key, idx] : k.token) {
    CalibratedForward& f = fw[key];
    f.pu = base.pus[size_t(key.first)].id;
    f.model = key.second;
    f.token_us = theta[size_t(idx)];
  }
  for (auto& [key, f] : fw) {
    f.max_tokens = std::max(1, max_m[key]);
    c.forward.push_back(f);
  }
  for (auto& [pu, idx] : k.handoff) c.handoff.push_back({base.pus[size_t(pu)].id, theta[size_t(idx)]});
  const bool host_seen = std::any_of(eqs.begin(), eqs.end(), [&](const LsqEquation& q) { return q.coef.count(k.host); });
  if (host_seen) c.host_greedy_ns_per_vocab = std::max(theta[size_t(k.host)], 1e-6);
  const bool draft_host_seen = split_host && std::any_of(eqs.begin(), eqs.end(), [&](const LsqEquation& q) {
                                 return q.coef.count(k.host_draft) > 0;
                               });
  if (draft_host_seen) c.host_draft_ns_per_vocab = std::max(theta[size_t(k.host_draft)], 1e-6);

  // Stage 2: the contention shares, from overlapped plans' draft and verify phases with the stage-1
  // terms fixed. A share enters the model non-linearly (a compute-bound kernel does not slow down),
  // so each share is searched directly on the model: coordinate descent, a golden-section search of
  // the weighted absolute residuals (robust) over (0.05, 1] per share.
  std::vector<const FitObservation*> ov;
  std::map<std::pair<int, int>, bool> pairs;  // unordered PU pairs (low, high) seen overlapped
  for (const auto& o : in.observations) {
    const Plan& pl = o.plan;
    if (pl.gamma == 0 || pl.mode != Mode::Overlapped || pl.draft.is_split() || pl.target.is_split() || o.total_us > 0)
      continue;
    if (!time_plan(pl, D, T, base, in.workload).feasible) continue;
    ov.push_back(&o);
    pairs[{std::min(pl.draft.pu, pl.target.pu), std::max(pl.draft.pu, pl.target.pu)}] = true;
  }
  for (auto [ab, on] : pairs)
    c.contention.push_back({base.pus[size_t(ab.first)].id, base.pus[size_t(ab.second)].id,
                            base.share_at(ab.first, ab.second), base.share_at(ab.second, ab.first)});
  auto contention_cost = [&](const Calibration& cal) {
    const Profile p = with_calibration(base, cal);
    double sum = 0;
    for (const FitObservation* o : ov) {
      const PhaseTimes x = executor_phases(o->plan, D, T, p, in.acceptance, in.workload);
      const PhaseTimes m = measured_phases(o->measured);
      sum += (std::fabs(x.verify - m.verify) + std::fabs(x.draft - m.draft)) / measured_total(o->measured);
    }
    return sum;
  };
  for (int sweep = 0; sweep < 3 && !ov.empty(); ++sweep)
    for (auto& k : c.contention)
      for (double* share : {&k.a_share, &k.b_share}) {
        const double g = 0.5 * (std::sqrt(5.0) - 1);
        double lo = 0.05, hi = 1.0;
        auto at = [&](double x) {
          *share = x;
          return contention_cost(c);
        };
        double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo), f1 = at(x1), f2 = at(x2);
        for (int it = 0; it < 40; ++it) {
          if (f1 <= f2) hi = x2, x2 = x1, f2 = f1, x1 = hi - g * (hi - lo), f1 = at(x1);
          else lo = x1, x1 = x2, f1 = f2, x2 = lo + g * (hi - lo), f2 = at(x2);
        }
        const double best = 0.5 * (lo + hi);
        *share = at(1.0) <= at(best) ? 1.0 : best;  // the boundary (no slowdown) when it fits as well
      }

  // Stage 3: η per (draft PU, target PU) from the overlap phase, −overlap = η · min(verify side, draft
  // side) on the stage-2 model: the weighted median of each plan's −overlap / min (weights: the
  // shorter side as a share of the iteration), i.e. least absolute residuals, clamped to [0, 1].
  const Profile p2 = with_calibration(base, c);
  std::map<std::pair<int, int>, std::vector<std::pair<double, double>>> eta;  // (ratio, weight)
  for (const FitObservation* o : ov) {
    const Plan& pl = o->plan;
    const PlanTiming t = time_plan(pl, D, T, p2, in.workload);
    const auto [dr, tr] = host_rows(pl, in.acceptance);
    const double s = std::min(t.verify_c.total_us(), dr * (t.draft1_c.total_us() + t.host_draft_row_us));
    if (s > 0) eta[{pl.draft.pu, pl.target.pu}].push_back({-o->measured.overlap / s, s / measured_total(o->measured)});
  }
  for (auto& [dt, v] : eta) {
    std::sort(v.begin(), v.end());
    double total = 0, run = 0;
    for (auto& x : v) total += x.second;
    double med = v.back().first;
    for (auto& x : v)
      if ((run += x.second) >= 0.5 * total) {
        med = x.first;
        break;
      }
    c.overlap.push_back({base.pus[size_t(dt.first)].id, base.pus[size_t(dt.second)].id, std::clamp(med, 0.0, 1.0)});
  }

  r.terms = c;
  r.phases = phase_errors(in.observations, base, with_calibration(base, c), D, T, in.acceptance, in.workload);
  return r;
}

}  // namespace hetspec
