// Internal to src/bench: the grids a profile measures, quick or full, and the measurement options
// scaled to the time budget.
#pragma once
#include <vector>

#include "hetspec/bench/measure.hpp"

namespace hetspec::bench {

struct ProfileGrid {
  std::vector<int> gemm_m, head_m;      // matmul tables
  std::vector<int> layer_m, layer_n;    // attention / element-wise grid
  std::vector<int> check_m, check_n;    // whole-forward checks
  double max_curve_bytes = 0;           // bandwidth curve upper end
  double max_transfer_bytes = 0;
  double contention_s = 0;
  double contention_bytes = 0;   // buffer each side streams in the contention test
  int rounds = 3;                       // passes over the kernel grid (rounds.hpp)
  MeasureOptions opt;                   // per point and round
  MeasureOptions layer_opt;             // whole multi-layer passes: fewer repetitions
};

inline ProfileGrid make_grid(bool quick, double budget_s, int rounds = 0) {
  ProfileGrid g;
  g.rounds = rounds > 0 ? rounds : 3;
  if (quick) {
    g.gemm_m = {1, 2, 4, 8, 16};
    g.head_m = {1, 4, 16};
    g.layer_m = {1, 4, 16};
    g.layer_n = {64, 512};
    // m = 2 too: an engine switches paths after one token (the CPU's GEMM tiles, the OpenCL batch
    // layer's 9 launches against 6), a step that m = 1 and 4 alone interpolate away (H200: measured
    // T(2)/T(1) = 1.4, interpolated 1.2). Not m = 8: on two cores its CPU forwards of a 3B model
    // took the quick profile of the 3B/1B pair from 3.3 to 13.7 minutes.
    g.check_m = {1, 2, 4};
    g.check_n = {64, 512};  // the contexts checks and validations use (the attention's growth); one prefill
    g.max_curve_bytes = 64.0 * (1 << 20);
    g.max_transfer_bytes = 4.0 * (1 << 20);
    g.contention_s = 0.2;
    g.contention_bytes = 64.0 * (1 << 20);
    g.opt.warmup = 1;
    g.opt.min_reps = 3;
    g.opt.max_reps = 10;
    g.opt.target_cv = 0.05;
    g.opt.max_seconds = 0.04;
  } else {
    g.gemm_m = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 24, 32, 48, 64, 96, 128};
    g.head_m = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    g.layer_m = {1, 2, 4, 8, 16};
    g.layer_n = {64, 256, 1024};
    g.check_m = {1, 2, 4, 8, 16};
    g.check_n = {64, 512};
    g.max_curve_bytes = 1.0 * (1 << 30);
    g.max_transfer_bytes = 64.0 * (1 << 20);
    g.contention_s = 1.0;
    g.contention_bytes = 256.0 * (1 << 20);
    g.opt.warmup = 2;
    g.opt.min_reps = 5;
    g.opt.max_reps = 30;
    g.opt.target_cv = 0.02;
    g.opt.max_seconds = 0.25 * budget_s / 600.0 / g.rounds;
  }
  g.layer_opt = g.opt;
  g.layer_opt.warmup = 1;
  // Per round: the rounds multiply the repetitions (quick: 2-3 per round, 6-9 per point in all).
  g.layer_opt.min_reps = quick ? 2 : 5;
  g.layer_opt.max_reps = quick ? 3 : 9;
  g.layer_opt.remeasure_noisy = g.rounds < 2;  // the rounds are the re-measurement of whole passes
  return g;
}

}  // namespace hetspec::bench
