// Why: every report table prints fractions as percentages and values in a fixed format; one
// definition keeps the validation and calibration reports' numbers formatted alike.
#pragma once
#include <cstdio>
#include <string>

#include "hetspec/report/metrics.hpp"

namespace hetspec::report_fmt {

// 0.123 -> "12.3%"
inline std::string pct(double f) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f%%", 100 * f);
  return b;
}

// printf-style fixed format of one value (default three decimals)
inline std::string fx(double v, const char* f = "%.3f") {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

// "4.2% / 5.1% / 18.0%": median / mean / max of an ErrorStats
inline std::string three(const ErrorStats& e) { return pct(e.median_ape) + " / " + pct(e.mean_ape) + " / " + pct(e.max_ape); }

}  // namespace hetspec::report_fmt
