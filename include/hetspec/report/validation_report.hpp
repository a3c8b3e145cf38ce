// The validation report: validation.json (every prediction and measurement, the input of
// `hetspec report`), plans.csv, index.md and a self-contained report.html with inline SVG plots
// (predicted vs measured speedup with the y = x line and a ±5% band; speedup vs γ per placement;
// per-phase predicted vs measured time per plan; acceptance per position; verify cost T(m)/T(1) per
// target PU, report/verify_curve.hpp), the break-even verdict (report/break_even.hpp) and the error metrics.
#pragma once
#include <string>
#include <vector>

#include "hetspec/core/atomic_write.hpp"
#include "hetspec/report/metrics.hpp"
#include "hetspec/spec/validate.hpp"

namespace hetspec {

struct ValidationMetrics {
  int plans = 0;                       // measured plans
  ErrorStats speedup, per_token;       // absolute percentage errors
  // Where the speedup error lives. Predicted ÷ measured speedup factors exactly into three ratios,
  //   (baseline per-token time, measured ÷ predicted)^-1 · (tokens per iteration, predicted ÷ measured)
  //   · (time per iteration, measured ÷ predicted),
  // so each gets its own error: the plain-decoding baseline, the acceptance estimate (tokens per
  // iteration) and the cost model's timing of an iteration. speedup_known_acceptance is the speedup
  // error with the measured tokens per iteration in place of the predicted: the cost model alone.
  ErrorStats baseline, tokens_per_iter, iteration, speedup_known_acceptance;
  double spearman = 0;                 // predicted vs measured speedup order
  double regret = 0;                   // 1 − measured(predicted best) / measured(measured best)
  std::string predicted_best, measured_best;
  std::string worst_phase;             // the phase whose predicted − measured gap is largest on average
  // Speculative plans (γ > 0) with a predicted band (PlanOutcome::predicted_band): how many measured
  // inside it, and how many whose measured 95 % interval overlaps it.
  int banded = 0, inside_band = 0, overlapping_band = 0;
};

struct CalibrationComparison;  // report/calibration_report.hpp
struct Repeatability;          // report/repeatability.hpp

ValidationMetrics validation_metrics(const Validation& v);
// Over the measured plans with these ids only.
ValidationMetrics validation_metrics(const Validation& v, const std::vector<std::string>& only);

// With a calibration comparison, the report adds its before/after section (and validation.json its
// "calibration" object, read back by calibration_in_json).
std::string validation_to_json(const Validation& v, const CalibrationComparison* cal = nullptr,
                               const Repeatability* rep = nullptr);
// Reads validation.json back (for `hetspec report` and `validate --resume`); errors name the file and key.
Validation validation_from_json(const std::string& text, const std::string& where);

std::string validation_csv(const Validation& v);
std::string validation_markdown(const Validation& v, const ValidationMetrics& m, const CalibrationComparison* cal = nullptr,
                                const Repeatability* rep = nullptr);
// The report's files (validation.json, plans.csv, index.md, report.html) under dir, staged in w.
// With a second run of the same validation (rep), the report adds its repeatability section.
void add_validation_report(AtomicWriteSet& w, const Validation& v, const std::string& dir,
                           const CalibrationComparison* cal = nullptr, const Repeatability* rep = nullptr);
std::string validation_html(const Validation& v, const ValidationMetrics& m, const CalibrationComparison* cal = nullptr,
                            const Repeatability* rep = nullptr);

}  // namespace hetspec
