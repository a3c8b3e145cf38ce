// Whether speculation pays on this grid, with the uncertainty of the acceptance it rests on: the
// predicted break-even α (the smallest scalar α at which the grid's best speculative plan beats plain
// decoding) against the calibration split's acceptance as one scalar — all positions pooled, the
// maximum-likelihood α of a constant-rate draft — with its 95 % Wilson interval. An interval that
// straddles the break-even says the calibration prompts cannot tell whether speculation pays here.
#pragma once
#include <string>

#include "hetspec/spec/validate.hpp"

namespace hetspec {

struct BreakEvenVerdict {
  double break_even = -1;   // the grid's predicted break-even α; < 0: no plan wins even at α = 1
  bool measured = false;    // a calibration split was measured (not timing mode, something drafted)
  Interval pooled;          // calibration acceptance, all positions pooled (Wilson 95 %)
  std::string verdict;      // "speculation pays", "speculation does not pay", "uncertain", ...
};

BreakEvenVerdict break_even_verdict(const Validation& v);
std::string break_even_line(const BreakEvenVerdict& b);  // one markdown line, no trailing newline

}  // namespace hetspec
