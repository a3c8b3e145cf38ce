// The validation report: validation.json (every prediction and measurement, the input of
// `hetspec report`), plans.csv, index.md and a self-contained report.html with inline SVG plots
// (predicted vs measured speedup with the y = x line and a ±5% band; speedup vs γ per placement;
// per-phase predicted vs measured time per plan; acceptance per position), and the error metrics.
#pragma once
#include <string>

#include "hetspec/report/metrics.hpp"
#include "hetspec/spec/validate.hpp"

namespace hetspec {

struct ValidationMetrics {
  int plans = 0;                       // measured plans
  ErrorStats speedup, per_token;       // absolute percentage errors
  double spearman = 0;                 // predicted vs measured speedup order
  double regret = 0;                   // 1 − measured(predicted best) / measured(measured best)
  std::string predicted_best, measured_best;
  std::string worst_phase;             // the phase whose predicted − measured gap is largest on average
};

ValidationMetrics validation_metrics(const Validation& v);

std::string validation_to_json(const Validation& v);
// Reads validation.json back (for `hetspec report` and `validate --resume`); errors name the file and key.
Validation validation_from_json(const std::string& text, const std::string& where);

std::string validation_csv(const Validation& v);
std::string validation_markdown(const Validation& v, const ValidationMetrics& m);
std::string validation_html(const Validation& v, const ValidationMetrics& m);

}  // namespace hetspec
