#include "hetspec/cost/spec_cost.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "hetspec/cost/memory.hpp"

namespace hetspec {

double ForwardTiming::compute_us() const {
  double t = 0;
  for (const auto& b : per_pu) t += b.total();
  return t;
}

namespace {
// Moving `bytes` from one PU to another: the profile's link, else a copy through shared DRAM.
double transfer_us(const Profile& prof, int from, int to, double bytes) {
  if (from == to) return 0;
  if (const Link* l = prof.link_at(from, to)) return l->latency_us + bytes / (l->bw_gbps * 1e3);
  return bytes / (0.5 * prof.dram_bw_gbps * 1e3);  // read + write through DRAM
}

std::array<ExecContext, kMaxPus> contexts(const Plan& plan, const Profile& prof, const std::array<bool, kMaxPus>& cached,
                                          const std::array<double, kMaxPus>& stream,
                                          const std::array<double, kMaxPus>& share) {
  std::array<ExecContext, kMaxPus> c{};
  for (size_t i = 0; i < prof.pus.size(); ++i) {
    c[i].pu = &prof.pus[i];
    c[i].threads = plan.threads.empty() ? prof.pus[i].cores : plan.threads[i];
    c[i].weights_cached = cached[i];
    c[i].stream_bytes = stream[i];
    c[i].bw_share = share[i];
  }
  return c;
}
// The name forward checks of this model are stored under (a self:K draft uses its target's).
std::string check_name(const ModelSpec& s) {
  if (!s.self_draft) return s.name;
  auto of = s.name.find(" of ");
  return of == std::string::npos ? s.name : s.name.substr(of + 4);
}

// Measured whole forward of `name` on a PU at (m, n, threads): linear in m between measured points,
// then linear in n between the two measured contexts; m and n clamped to the measured range. 0: none.
double measured_forward_us(const ProcessingUnit& pu, const std::string& name, int threads, double m, double n) {
  std::vector<double> ns;
  for (const auto& c : pu.forward_check)
    if (c.model == name && c.threads == threads && std::find(ns.begin(), ns.end(), double(c.n)) == ns.end())
      ns.push_back(c.n);
  if (ns.empty()) return 0;
  std::sort(ns.begin(), ns.end());
  auto at_n = [&](double nn) {
    std::vector<std::pair<double, double>> pts;
    for (const auto& c : pu.forward_check)
      if (c.model == name && c.threads == threads && c.n == nn) pts.emplace_back(c.m, c.us);
    std::sort(pts.begin(), pts.end());
    const double mm = std::clamp(m, pts.front().first, pts.back().first);
    for (size_t i = 1; i < pts.size(); ++i)
      if (mm <= pts[i].first)
        return pts[i - 1].second + (pts[i].second - pts[i - 1].second) * (mm - pts[i - 1].first) /
                                       std::max(1e-9, pts[i].first - pts[i - 1].first);
    return pts.back().second;
  };
  const double nn = std::clamp(n, ns.front(), ns.back());
  size_t hi = 1;
  while (hi < ns.size() && ns[hi] < nn) ++hi;
  if (hi >= ns.size()) return at_n(ns.back());
  const double a = at_n(ns[hi - 1]), b = at_n(ns[hi]);
  return a + (b - a) * (nn - ns[hi - 1]) / std::max(1e-9, ns[hi] - ns[hi - 1]);
}

// measured ÷ predicted whole forward of the model alone on this PU (1 when nothing was measured).
// Both sides without contention: the checks ran alone, so the ratio must not cancel the shares.
double forward_scale(const ModelSpec& s, DType dtype, const Profile& prof, const ExecContext& contended, int pu, double m,
                     double n) {
  ExecContext c = contended;
  c.bw_share = 1.0;
  const ProcessingUnit& p = prof.pus[size_t(pu)];
  if (p.forward_check.empty()) return 1.0;
  const int threads = p.kind == PuKind::CPU ? c.threads : 1;
  const ModelSpec* full = &s;
  ModelSpec target;
  if (s.self_draft) {  // the checks were taken on the target: compare like with like
    target = s;
    target.self_draft = false;
    target.name = check_name(s);
    if (s.target_layers > 0) target.n_layers = s.target_layers;
    full = &target;
  }
  // The ratio is taken at the nearest measured point (m and n clamped to the measured ranges) and
  // applied at (m, n): beyond the measured contexts, the per-kernel tables price the growth (an
  // anchor at n = 64 alone must not flatten a forward at n = 512 to its n = 64 time).
  double mm = m, nn = n;
  std::vector<double> ms, ns;
  for (const auto& ck : p.forward_check)
    if (ck.model == full->name && ck.threads == threads) {
      ms.push_back(ck.m);
      ns.push_back(ck.n);
    }
  if (ms.empty()) return 1.0;
  mm = std::clamp(mm, *std::min_element(ms.begin(), ms.end()), *std::max_element(ms.begin(), ms.end()));
  nn = std::clamp(nn, *std::min_element(ns.begin(), ns.end()), *std::max_element(ns.begin(), ns.end()));
  const double meas = measured_forward_us(p, full->name, threads, mm, nn);
  if (meas <= 0) return 1.0;
  // What the model predicts for the same whole forward: all layers and the head (all m rows) here,
  // the wait for the logits and their read.
  ForwardBreakdown b = layers_cost(*full, c, dtype, int64_t(mm), nn, full->n_layers);
  b += head_cost(*full, c, int64_t(mm));
  double pred = b.total() + p.sync_us + transfer_us(prof, pu, prof.host_index, 4.0 * mm * full->n_logits());
  return pred > 0 ? meas / pred : 1.0;
}
}  // namespace

std::array<double, kMaxPus> layer_shares(const ModelPlacement& pl, int n_layers) {
  std::array<double, kMaxPus> sh{};
  if (!pl.is_split()) {
    sh[size_t(pl.pu)] = 1.0;
    return sh;
  }
  sh[size_t(pl.pu)] = double(pl.split) / n_layers;
  sh[size_t(pl.split_pu)] += double(n_layers - pl.split) / n_layers;
  return sh;
}

std::pair<double, double> host_rows(const Plan& plan, const Acceptance& acc) {
  const int g = plan.gamma;
  if (g == 0) return {0.0, 1.0};
  const auto& alpha = acc.for_dtype(plan.draft.dtype);
  // Rows compared: position i is reached with probability Π_{j<=i} α_j (i = 0..γ−1), i.e. E − P_all;
  // then one pass for the correction (a miss) or the bonus token (all accepted).
  const double target = expected_tokens(alpha, g) - prob_prefix_accepted(alpha, g) + 1.0;
  if (plan.mode == Mode::Overlapped) return {g + 1.0, target};  // re-drafting after a miss: in the catch-up term
  return {double(g), target};
}

ForwardTiming model_forward(const ModelSpec& s, const ModelPlacement& pl, const Profile& prof,
                            const std::array<ExecContext, kMaxPus>& ctx, int64_t m, double n, int64_t head_rows) {
  ForwardTiming f;
  int first = pl.is_split() ? pl.split : s.n_layers;
  f.per_pu[pl.pu] += layers_cost(s, ctx[pl.pu], pl.dtype, m, n, first);
  if (s.reads_features)  // an EAGLE draft's fc · [embed; g] (m, 2d) -> (m, d): priced with the first layer's input matmuls
    f.per_pu[pl.pu].qkv += matmul_us(ctx[pl.pu], matmul_tokens(*ctx[pl.pu].pu, m, s.d_model), 2 * int64_t(s.d_model),
                                     s.d_model, pl.dtype);
  int last_pu = pl.pu;
  if (pl.is_split()) {
    // Hand the hidden state (m, d_model) f32 to the second PU: wait for the first, then copy.
    const double before = f.handoff_us + f.transfer_us;
    f.handoff_us += std::max(0.0, prof.pus[pl.pu].sync_us + prof.handoff_at(pl.pu));
    f.transfer_us += transfer_us(prof, pl.pu, pl.split_pu, 4.0 * m * s.d_model);
    f.crossing_us += f.handoff_us + f.transfer_us - before;
    f.per_pu[pl.split_pu] += layers_cost(s, ctx[pl.split_pu], pl.dtype, m, n, s.n_layers - first);
    last_pu = pl.split_pu;
  }
  if (pl.head_pu != last_pu) {
    f.handoff_us += prof.pus[last_pu].sync_us;
    f.transfer_us += transfer_us(prof, last_pu, pl.head_pu, 4.0 * head_rows * s.d_model);
  }
  f.per_pu[pl.head_pu] += head_cost(s, ctx[pl.head_pu], head_rows);
  // The host waits for the logits (head_rows, n_logits) and reads them.
  f.handoff_us += prof.pus[pl.head_pu].sync_us;
  f.transfer_us += transfer_us(prof, pl.head_pu, prof.host_index, 4.0 * head_rows * s.n_logits());
  // Calibration by the profile's whole forwards (see the header): each PU's part scaled.
  int used[3] = {pl.pu, pl.is_split() ? pl.split_pu : -1, pl.head_pu};
  for (int i = 0; i < 3; ++i) {
    const int pu = used[i];
    if (pu < 0 || (i > 0 && pu == used[0]) || (i == 2 && pu == used[1])) continue;
    const double k = forward_scale(s, pl.dtype, prof, ctx[size_t(pu)], pu, double(m), n);
    if (k != 1.0) f.per_pu[size_t(pu)] = f.per_pu[size_t(pu)].scaled(k);
  }
  // Calibration by traces: each PU taking part pays its per-forward term (a sync, a queue flush: not
  // fewer for fewer layers) and its per-token term by its share of the layers; a negative correction
  // never takes more than half of what the PU's part costs.
  if (!prof.calibration.forward.empty()) {
    const auto share = layer_shares(pl, s.n_layers);
    for (int pu = 0; pu < int(prof.pus.size()); ++pu) {
      if (share[size_t(pu)] <= 0) continue;
      const CalibratedForward* c = prof.forward_term(pu, s.name);
      if (!c) continue;
      const double extra = double(c->max_tokens > 0 ? std::min<int64_t>(m, c->max_tokens) : m) - 1;
      const double term = c->forward_us + share[size_t(pu)] * extra * c->token_us;
      ForwardBreakdown& b = f.per_pu[size_t(pu)];
      b.calibrated += std::max(term, -0.5 * b.total());
    }
  }
  return f;
}

PlanTiming time_plan(const Plan& plan, const ModelSpec& draft, const ModelSpec& target, const Profile& prof,
                     const Workload& w) {
  PlanTiming t;
  const int np = static_cast<int>(prof.pus.size());
  auto infeasible = [&](std::string why) {
    t.feasible = false;
    t.reason = std::move(why);
    return t;
  };
  if (np > kMaxPus) return infeasible("profile has more than " + std::to_string(kMaxPus) + " PUs");
  auto valid = [&](const ModelPlacement& p, int layers) {
    return p.pu >= 0 && p.pu < np && p.head_pu >= 0 && p.head_pu < np &&
           (!p.is_split() || (p.split_pu < np && p.split > 0 && p.split < layers));
  };
  if (!valid(plan.target, target.n_layers)) return infeasible("target placement names a PU or split the SoC lacks");
  const bool spec = plan.speculative();
  if (spec && !valid(plan.draft, draft.n_layers)) return infeasible("draft placement names a PU or split the SoC lacks");
  int ctx_tokens = w.prompt_tokens + w.gen_tokens + plan.gamma + 1;
  if (ctx_tokens > target.context) return infeasible("request exceeds the target's context");
  if (spec && ctx_tokens > draft.context) return infeasible("request exceeds the draft's context");

  const uint32_t t_used = pu_mask(plan.target);
  const uint32_t d_used = spec ? pu_mask(plan.draft) : 0u;
  if (plan.mode == Mode::Overlapped) {
    if (!spec) return infeasible("overlapped mode needs a draft (gamma > 0)");
    if (d_used & t_used) return infeasible("overlapped drafting needs draft and target on disjoint PUs");
    if (prof.executor.redecodes_emitted()) return infeasible(prof.executor.engine + " drafts and verifies in sequence");
  }
  if (prof.executor.redecodes_emitted()) {  // llama.cpp's loop (speculative or plain)
    t.redecode = spec;
    const int host = prof.host_index;
    const int threads = plan.threads.empty() ? prof.pus[size_t(host)].cores : plan.threads[size_t(host)];
    // The terms measured with the models where this plan's logits come from (the target's head PU).
    if (const LoopTerms* l = prof.executor.at(threads, prof.pus[size_t(plan.target.head_pu)].id)) {
      t.loop_iter_us = spec ? l->iteration_us : 0.0;
      t.loop_drafted_us = spec ? l->drafted_us : 0.0;
      t.loop_plain_us = spec ? 0.0 : l->plain_us;
    }
  }

  // Memory and the cache regime: a PU whose whole streamed weight set fits its cache reads from cache.
  int rows = std::max(plan.gamma + 1, w.prompt_tokens);
  add_model_memory(target, plan.target, prof, rows, ctx_tokens, t.memory);
  if (spec) add_model_memory(draft, plan.draft, prof, rows, ctx_tokens, t.memory);
  std::string verdict = memory_verdict(t.memory, prof);
  if (!verdict.empty()) return infeasible(verdict);
  // A measured bandwidth curve prices the regime from the PU's whole streamed weight set instead.
  std::array<double, kMaxPus> stream{};
  for (int i = 0; i < np; ++i) {
    double cache = prof.pus[i].roofline.cache_bytes;
    t.weights_cached[i] = cache > 0 && t.memory[i].weights > 0 && t.memory[i].weights <= cache;
    stream[i] = t.memory[i].weights;
  }

  std::array<double, kMaxPus> solo{};
  solo.fill(1.0);
  auto ctx = contexts(plan, prof, t.weights_cached, stream, solo);
  const double n = w.decode_context();
  t.verify = model_forward(target, plan.target, prof, ctx, plan.gamma + 1, n, plan.gamma + 1);
  const double ns_per_row =
      (w.greedy && prof.greedy_ns_per_vocab() > 0 ? prof.greedy_ns_per_vocab() : prof.host.sample_ns_per_vocab) * 1e-3;
  t.host_target_row_us = target.vocab * ns_per_row;
  t.ttft_us = model_forward(target, plan.target, prof, ctx, w.prompt_tokens, 0, 1).total_us() + target.vocab * ns_per_row;
  if (spec) {
    t.draft1 = model_forward(draft, plan.draft, prof, ctx, 1, n, 1);
    t.draft2 = model_forward(draft, plan.draft, prof, ctx, 2, n, 1);
    t.host_draft_row_us = draft.n_logits() *  // a subset head: only its columns are sampled
                          (prof.calibration.host_draft_ns_per_vocab > 0 ? prof.calibration.host_draft_ns_per_vocab * 1e-3 : ns_per_row);
    double draft_prefill = model_forward(draft, plan.draft, prof, ctx, w.prompt_tokens, 0, 1).total_us();
    // An EAGLE draft's prefill reads the target's features: after the target's, in either mode.
    t.ttft_us = plan.mode == Mode::Overlapped && !draft.reads_features ? std::max(t.ttft_us, draft_prefill)
                                                                      : t.ttft_us + draft_prefill;
    if (draft.reads_features)  // its catch-up after k accepted: the k + 1 new positions, re-fed
      for (int k = 0; k <= plan.gamma; ++k)
        t.refeed_us.push_back(k == 0 ? 0.0 : model_forward(draft, plan.draft, prof, ctx, k + 1, n, 1).total_us() - t.draft1.total_us());
    if (plan.mode == Mode::Overlapped) {
      // Both stream from DRAM at once: each PU keeps its contention share against the other side.
      std::array<double, kMaxPus> share{};
      share.fill(1.0);
      for (int i = 0; i < np; ++i)
        for (int j = 0; j < np; ++j)
          if (((d_used >> i & 1u) && (t_used >> j & 1u)) || ((t_used >> i & 1u) && (d_used >> j & 1u)))
            share[i] = std::min(share[i], prof.share_at(i, j));
      auto cctx = contexts(plan, prof, t.weights_cached, stream, share);
      t.hidden = prof.hidden_at(plan.draft.pu, plan.target.pu);
      t.draft1_c = model_forward(draft, plan.draft, prof, cctx, 1, n, 1);
      t.verify_c = model_forward(target, plan.target, prof, cctx, plan.gamma + 1, n, plan.gamma + 1);
    }
  }
  return t;
}

namespace {
// E over k (the tokens accepted) of an EAGLE draft's re-feed, T_draft(k+1) − T_draft(1):
// P(k) = Π_{i<=k} α_i − Π_{i<=k+1} α_i for k < γ, Π_{i<=γ} α_i for k = γ.
double expected_refeed_us(const PlanTiming& t, const std::vector<double>& alpha, int g) {
  double e = 0;
  for (int k = 1; k <= g && k < int(t.refeed_us.size()); ++k) {
    const double pk = k < g ? prob_prefix_accepted(alpha, k) - prob_prefix_accepted(alpha, k + 1) : prob_prefix_accepted(alpha, g);
    e += pk * t.refeed_us[size_t(k)];
  }
  return e;
}
}  // namespace

Estimate finish(const PlanTiming& t, const Plan& plan, const ModelSpec& draft, const Acceptance& acc,
                const Workload& w) {
  Estimate e;
  if (!t.feasible) {
    e.feasible = false;
    e.reason = t.reason;
    return e;
  }
  PhaseTimes& p = e.phases;
  const int g = plan.gamma;
  const auto& alpha = acc.for_dtype(plan.draft.dtype);
  // The request's last iteration emits only what is left of its G tokens (G - 1 after the prefill's).
  e.tokens_per_iter = g > 0 ? tokens_per_iteration(alpha, g, std::max(1, w.gen_tokens - 1)) : 1.0;
  e.p_all_accepted = g > 0 ? prob_prefix_accepted(alpha, g) : 1.0;
  const auto [draft_rows, target_rows] = host_rows(plan, acc);
  if (g == 0 || plan.mode == Mode::Sequential) {
    p.verify = t.verify.compute_us();
    p.transfer = t.verify.transfer_us;
    p.handoff = t.verify.handoff_us;
    p.host = target_rows * t.host_target_row_us;
    if (g == 0) p.host += t.loop_plain_us;  // another executor's plain-decoding loop (0 for hetspec's)
    if (g > 0) {
      const int fwd = t.draft_forwards(g);
      p.draft = fwd * t.draft1.compute_us();
      p.transfer += fwd * t.draft1.transfer_us;
      p.handoff += fwd * t.draft1.handoff_us;
      p.host += draft_rows * t.host_draft_row_us;
      // All γ accepted: the draft never saw its last token nor the bonus token -> one 2-token step
      // instead of a 1-token step next iteration. An executor that re-decodes the emitted token
      // (llama.cpp) has fed the draft every token but the emitted one: its γ + 1-th forward is that.
      p.catchup = t.redecode            ? 0.0
                  : t.refeed_us.empty() ? e.p_all_accepted * (t.draft2.total_us() - t.draft1.total_us())
                                        : expected_refeed_us(t, alpha, g);
      p.host += t.loop_iter_us + g * t.loop_drafted_us;  // the executor's own loop terms (0 for hetspec's)
    }
  } else {
    // While the target verifies d1..dγ, the draft feeds dγ (never fed yet) to guess the bonus token
    // d_{γ+1}, then drafts d_{γ+2}..d_{2γ+1}: γ+1 one-token forwards.
    const int fwd = g + 1;
    const double verify_side = t.verify_c.total_us();
    const double draft_side = draft_rows * (t.draft1_c.total_us() + t.host_draft_row_us);
    const double p_valid = prob_prefix_accepted(alpha, g + 1);
    const double hidden = t.hidden;
    p.verify = t.verify_c.compute_us();
    p.draft = fwd * t.draft1_c.compute_us();
    p.transfer = t.verify_c.transfer_us + fwd * t.draft1_c.transfer_us;
    p.handoff = t.verify_c.handoff_us + fwd * t.draft1_c.handoff_us;
    p.host = target_rows * t.host_target_row_us + draft_rows * t.host_draft_row_us;
    p.overlap = -hidden * std::min(verify_side, draft_side);
    p.catchup = (1.0 - p_valid) * g * (t.draft1.total_us() + t.host_draft_row_us);
    if (!t.refeed_us.empty()) p.catchup += (1.0 - p_valid) * expected_refeed_us(t, alpha, g);  // an EAGLE draft's re-feed
  }
  e.iter_us = p.total();
  e.per_token_us = e.iter_us / e.tokens_per_iter;
  e.tokens_per_s = 1e6 / e.per_token_us;
  e.ttft_us = t.ttft_us;
  e.request_us = t.ttft_us + w.gen_tokens * e.per_token_us;
  struct { const char* name; double v; } terms[] = {{"verify", p.verify}, {"draft", p.draft}, {"catch-up", p.catchup},
                                                    {"host", p.host}, {"transfer", p.transfer}, {"hand-off", p.handoff}};
  double best = -1;
  for (const auto& term : terms)
    if (term.v > best) { best = term.v; e.dominant = term.name; }
  return e;
}

Estimate predict(const Plan& plan, const ModelSpec& draft, const ModelSpec& target, const Profile& prof,
                 const Acceptance& acc, const Workload& w) {
  return finish(time_plan(plan, draft, target, prof, w), plan, draft, acc, w);
}

}  // namespace hetspec
