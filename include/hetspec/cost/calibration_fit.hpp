// Fitting the overheads a profile cannot see in isolation from measured traces (`hetspec calibrate`).
// Each term is fitted from the phase that measures it, against the cost model's own decomposition of
// the same plan (executor_phases.hpp), so the fit says where the error lives:
//   draft phase   -> per-forward term of the draft model on its PU(s)           (forward_us)
//   verify phase  -> per-forward and per-token terms of the target on its PU(s) (forward_us, token_us)
//   catch-up      -> the draft's per-token term (its two-token forward)
//   host phase    -> the host's argmax cost per vocabulary entry (≥ 0)
//   hand-off      -> a cost per layer-split crossing, per handing PU
// An observation with only its iteration total (total_us) gives the sum of its phase equations.
// These are fitted together from sequential plans (and γ = 0 arms) by weighted least squares, each
// equation weighted by 1 / the measured iteration time (errors as fractions of an iteration, as a
// speedup error is), robust (Huber weights, re-weighted), columns scaled, a vanishing ridge so an
// unobserved term stays 0. Then from overlapped plans, with those terms fixed:
//   draft and verify phases -> each PU's slowdown while the other side runs (contention share ≤ 1)
//   overlap phase           -> η, the fraction of the shorter side really hidden (0..1), per pair.
// Pure: no I/O.
#pragma once
#include <string>
#include <vector>

#include "hetspec/cost/spec_cost.hpp"

namespace hetspec {

struct FitObservation {
  std::string id;          // "p03", "p03/baseline"
  Plan plan;
  PhaseTimes measured;     // µs per iteration, as the executor attributes them
  double total_us = 0;     // > 0: only the iteration's total is known (another engine, e.g. llama.cpp,
                           // prints no phases): its phase equations are summed into one, and the
                           // phase tables leave it out
};

struct FitInput {
  Profile profile;         // the uncalibrated profile (any calibration block is ignored)
  ModelSpec draft, target;
  Acceptance acceptance;
  Workload workload;
  std::vector<FitObservation> observations;
};

struct PhaseError {        // mean |predicted − measured| of one phase, as a fraction of the measured iteration
  std::string phase;
  int n = 0;
  double before = 0, after = 0;
};

struct FitResult {
  Calibration terms;                // fitted terms only (no provenance)
  std::vector<PhaseError> phases;   // on the observations fitted
  int equations = 0;
};

FitResult fit_calibration(const FitInput& in);

// The profile with `terms` as its calibration block (provenance kept from `terms`), resolved.
Profile with_calibration(Profile p, const Calibration& terms);

// Per-phase error of `prof`'s predictions against observations (draft, verify, catch-up, host,
// hand-off, overlap; phases neither side has are left out).
std::vector<PhaseError> phase_errors(const std::vector<FitObservation>& obs, const Profile& before, const Profile& after,
                                     const ModelSpec& draft, const ModelSpec& target, const Acceptance& acc,
                                     const Workload& w);

}  // namespace hetspec
