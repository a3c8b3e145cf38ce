// `hetspec calibrate` over a stored validation, and the report's before/after section. The measured
// plans are split deterministically into fit and held-out; the overhead terms are fitted
// (cost/calibration_fit.hpp) on the fit plans' traces and their interleaved baselines only; then the
// held-out plans are predicted by the uncalibrated and the calibrated profile and scored with the
// report's metrics (speedup and per-token error, Spearman, regret) and per phase. A calibrated
// profile names its split, so `hetspec report --repredict P2.yaml` rebuilds the same comparison.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hetspec/cost/calibration_fit.hpp"
#include "hetspec/report/validation_report.hpp"

namespace hetspec {

struct CalibrationSplit {
  std::vector<std::string> fit, held_out;  // plan ids (measured plans only)
  std::string rule;                        // how, in words
};

// fit_ids empty: measured plan i (0-based, in file order) is fitted iff ⌈(i+1)·f⌉ > ⌈i·f⌉ — evenly
// spread, the first plan fitted (f = 0.5: the 1st, 3rd, 5th, ...). Otherwise exactly fit_ids (each
// must name a measured plan). Both sides must be non-empty. Errors name `where`.
CalibrationSplit split_plans(const Validation& v, double fit_fraction, const std::vector<std::string>& fit_ids,
                             const std::string& where);

// The traces of these plans (and their interleaved baseline arms: γ = 0 on the baseline's PU) as
// fit observations.
std::vector<FitObservation> observations(const Validation& v, const Profile& prof, const std::vector<std::string>& ids,
                                         bool with_baselines);

struct CalibrationComparison {
  CalibrationSplit split;
  std::string source;                       // the traces
  std::string profile_before, profile_after;
  std::string terms;                        // the fitted terms, one "- ..." line each
  ValidationMetrics before, after;          // held-out plans
  ValidationMetrics fit_before, fit_after;  // fit plans, for reference
  std::vector<PhaseError> phases;           // held-out plans, per phase
};

struct CalibrateResult {
  Profile calibrated;         // the input profile with its calibration block (terms and provenance)
  Validation repredicted;     // the validation predicted again with it
  CalibrationComparison comparison;
};

// Fits on split.fit, scores on split.held_out. provenance: source, date, command of the block;
// out_path: where the calibrated profile goes (named in the comparison).
CalibrateResult calibrate(const Validation& v, const Profile& profile, const std::string& profile_path, const ModelSpec& draft,
                          const ModelSpec& target, const CalibrationSplit& split, const Calibration& provenance,
                          const std::string& out_path);

// The comparison for a validation and a calibrated profile (its block's split); nullopt when the
// profile has no calibration or none of its held-out plans is measured here. `repredicted` receives
// the validation predicted with the calibrated profile.
std::optional<CalibrationComparison> compare_calibration(const Validation& v, const Profile& calibrated,
                                                         const std::string& calibrated_path, const ModelSpec& draft,
                                                         const ModelSpec& target, Validation* repredicted);

std::string calibration_markdown(const CalibrationComparison& c);  // a "## Calibration" section
std::string calibration_summary(const CalibrationComparison& c);   // the CLI's table
nlohmann::json calibration_json(const CalibrationComparison& c);
CalibrationComparison calibration_from_json(const nlohmann::json& j, const std::string& where);
// The "calibration" object of a validation.json, when it has one.
std::optional<CalibrationComparison> calibration_in_json(const std::string& text, const std::string& where);

}  // namespace hetspec
