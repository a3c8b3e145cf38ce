#include "hetspec/report/break_even.hpp"

#include <cstdio>

namespace hetspec {

BreakEvenVerdict break_even_verdict(const Validation& v) {
  BreakEvenVerdict b;
  b.break_even = v.break_even_alpha;
  int64_t acc = 0, reach = 0;
  for (const auto& p : v.acceptance_measured) acc += p.accepted, reach += p.reached;
  b.measured = !v.timing_mode && reach > 0;
  if (b.measured) b.pooled = wilson(acc, reach);
  if (b.break_even < 0) b.verdict = "speculation does not pay at any α (predicted)";
  else if (!b.measured) b.verdict = v.timing_mode ? "timing mode: α given, not measured" : "no acceptance measured";
  else if (b.pooled.lo > b.break_even) b.verdict = "speculation pays (predicted): the interval lies above the break-even";
  else if (b.pooled.hi < b.break_even) b.verdict = "speculation does not pay (predicted): the interval lies below the break-even";
  else b.verdict = "uncertain: the interval straddles the break-even (more calibration prompts narrow it)";
  return b;
}

std::string break_even_line(const BreakEvenVerdict& b) {
  char buf[160];
  std::string s = "- predicted break-even α: ";
  if (b.break_even < 0) s += "never (no plan wins even at α = 1)";
  else std::snprintf(buf, sizeof buf, "%.3f", b.break_even), s += buf;
  if (b.measured) {
    std::snprintf(buf, sizeof buf, "; calibration acceptance, all positions pooled: %.3f [%.3f, %.3f] (95%%)", b.pooled.value,
                  b.pooled.lo, b.pooled.hi);
    s += buf;
  }
  return s + "; " + b.verdict;
}

}  // namespace hetspec
