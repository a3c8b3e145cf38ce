// The speculative-decoding cost model (DESIGN.md), as pure functions of a Plan, two ModelSpecs, a
// Profile, the acceptance and the request shape. No I/O, no globals; an infeasible plan is returned
// with a reason, never thrown.
//
// Sequential mode, one iteration:
//   T_iter = γ·T_draft(1, n) + T_target(γ+1, n) + P_all·[T_draft(2, n) − T_draft(1, n)]   (catch-up)
//            + host passes over vocabulary rows + split transfers + hand-offs (syncs, logits reads)
//   host passes: γ draft rows, and on the target's rows the executor's checks: E − P_all rows
//   compared, then one more for the correction or bonus token (1 row when γ = 0).
// Overlapped mode (draft and target on disjoint PUs, sharing DRAM bandwidth):
//   T_iter = V^c + D^c − η·min(V^c, D^c) + (1 − P_valid)·γ·(T_draft(1) + draft row) + target rows
//   with V^c = T_target^c(γ+1), D^c = (γ+1)·(T_draft^c(1) + draft row): ^c applies the profile's
//   contention shares, the draft side is γ+1 forwards (it first feeds its own last draft to guess the
//   bonus token), η is the fraction of the shorter side really hidden (1 unless calibrated), the
//   target's rows are checked after its forward (nothing overlaps them), and P_valid =
//   Π_{i=1..γ+1} α_i is the chance that the block drafted during verification still stands.
//   E[tokens/iter] = Σ_{k=0..γ} Π_{i=1..k} α_i;   per-token latency = T_iter / E.
// A feature-reading (EAGLE) draft: its catch-up is E_k[T_draft(k+1, n) − T_draft(1, n)] over the
// accepted count k (it re-feeds the k + 1 new positions with the target's features; in overlapped
// mode when the pre-drafted block is discarded), its prefill follows the target's, and its fc
// (m, 2d) × (d, 2d)^T is priced with its first layer's input matmuls.
// Calibration by whole forwards: where the profile holds whole-model forwards of this model (or, for
// a self:K draft, of its target) measured on a PU (`forward_check`), each forward's compute on that PU
// is scaled by measured ÷ predicted at the same (m, n, threads) — the per-kernel sum misses what only
// a whole forward shows (queue gaps, fused waits, cache reuse across kernels). m and n are clamped to
// the measured range. The ratio is taken without contention, so contention shares still apply.
// Calibration by traces (`hetspec calibrate`, the profile's `calibration:` block): per forward of a
// model on a PU, forward_us + (m − 1)·token_us (a split: each PU's forward_us whole, its token_us by
// its share of the layers), a fitted cost per split crossing, the host's argmax cost per vocabulary
// entry, contention shares and η.
#pragma once
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "hetspec/cost/acceptance.hpp"
#include "hetspec/cost/forward_cost.hpp"
#include "hetspec/model/model_spec.hpp"
#include "hetspec/plan/plan.hpp"
#include "hetspec/profile/profile.hpp"

namespace hetspec {

constexpr int kMaxPus = 8;  // = the profile loader's limit

struct Workload {          // one short request, e.g. a sentence to translate
  int prompt_tokens = 64;  // P
  int gen_tokens = 64;     // G
  bool greedy = false;     // greedy verification: the host's cost per row is an argmax (when the profile has it)
  double decode_context() const { return prompt_tokens + 0.5 * gen_tokens; }  // average n while decoding
};

struct PhaseTimes {        // µs per iteration; they add up to the iteration time
  double draft = 0;        // γ one-token draft forwards (γ + 1 in llama.cpp's loop)
  double verify = 0;       // the target's forward over γ+1 tokens
  double catchup = 0;      // sequential: draft catch-up after all-accepted; overlapped: re-draft after a miss
  double host = 0;         // softmax / sampling / verification on the host; another executor's loop terms
  double transfer = 0;     // activations across layer splits, logits to the host
  double handoff = 0;      // synchronisations (split hand-offs, waiting for a PU's logits)
  double overlap = 0;      // overlapped mode: time hidden by running both at once (<= 0)
  double total() const { return draft + verify + catchup + host + transfer + handoff + overlap; }
};

struct PuUse {             // bytes resident on one PU
  double weights = 0, kv_cache = 0, scratch = 0;
  double total() const { return weights + kv_cache + scratch; }
};

// One model forward under a placement: compute per PU plus the cross-PU overheads.
struct ForwardTiming {
  std::array<ForwardBreakdown, kMaxPus> per_pu{};
  double transfer_us = 0;
  double handoff_us = 0;
  double crossing_us = 0;      // the part of transfer + hand-off spent at layer-split crossings
  double compute_us() const;
  double total_us() const { return compute_us() + transfer_us + handoff_us; }
};

// The α-independent part of a plan's cost (computed once; acceptance is folded in by finish()).
struct PlanTiming {
  bool feasible = true;
  std::string reason;
  ForwardTiming draft1;        // one draft token
  ForwardTiming draft2;        // two draft tokens (catch-up)
  std::vector<double> refeed_us;  // an EAGLE draft: T_draft(k+1) − T_draft(1) for k = 0..γ (its catch-up after k accepted)
  ForwardTiming verify;        // target over γ+1 tokens
  ForwardTiming draft1_c;      // under contention (overlapped mode)
  ForwardTiming verify_c;
  double host_target_row_us = 0;  // one host pass (argmax or sample) over a target vocabulary row
  double host_draft_row_us = 0;   // ... over a draft row
  double hidden = 1;              // overlapped: fraction of the shorter side hidden (the profile's η)
  // The profile's executor (Profile::executor): llama.cpp re-decodes the emitted token on the draft
  // every iteration (γ + 1 draft forwards, no catch-up) and pays its own loop terms.
  bool redecode = false;
  double loop_iter_us = 0;        // per iteration (executor.loop at the plan's CPU thread count; 0: none)
  double loop_drafted_us = 0;     // per drafted token
  double loop_plain_us = 0;       // plain decoding (γ = 0): per token
  int draft_forwards(int gamma) const { return redecode ? gamma + 1 : gamma; }
  double ttft_us = 0;
  std::array<PuUse, kMaxPus> memory{};
  std::array<bool, kMaxPus> weights_cached{};
};

struct Estimate {
  bool feasible = true;
  std::string reason;          // why not, when infeasible
  PhaseTimes phases;
  double iter_us = 0;
  double tokens_per_iter = 0;
  double per_token_us = 0;
  double tokens_per_s = 0;
  double ttft_us = 0;
  double request_us = 0;       // TTFT + G · per-token latency
  double p_all_accepted = 0;
  double speedup = 0;          // vs the best plain-decoding plan (filled by the sweep)
  std::string dominant;        // the largest phase
};

PlanTiming time_plan(const Plan& plan, const ModelSpec& draft, const ModelSpec& target, const Profile& prof,
                     const Workload& w);
Estimate finish(const PlanTiming& t, const Plan& plan, const ModelSpec& draft, const Acceptance& acc,
                const Workload& w);
// time_plan + finish.
Estimate predict(const Plan& plan, const ModelSpec& draft, const ModelSpec& target, const Profile& prof,
                 const Acceptance& acc, const Workload& w);

// Host passes over vocabulary rows per iteration: (draft rows, target rows), as the executor makes
// them (the header's equations); γ = 0: (0, 1).
std::pair<double, double> host_rows(const Plan& plan, const Acceptance& acc);

// Each PU's share of a placement's layers (a split divides them; 0 for a PU holding only the head).
std::array<double, kMaxPus> layer_shares(const ModelPlacement& pl, int n_layers);

// One forward of m tokens at context n under a placement; head_rows rows of logits.
ForwardTiming model_forward(const ModelSpec& spec, const ModelPlacement& pl, const Profile& prof,
                            const std::array<ExecContext, kMaxPus>& ctx, int64_t m, double n, int64_t head_rows);

}  // namespace hetspec
