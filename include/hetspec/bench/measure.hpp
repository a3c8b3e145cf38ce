// How every figure of a profile is timed: warm-up calls, then repetitions until the median is
// stable (the robust spread, 1.4826·MAD / median, below a target) or the time / repetition cap is
// hit; a point still noisy after that is measured once more and the quieter run kept. The spread is
// stored with the figure (KernelTable::cv) so a reader can see which points to trust.
#pragma once
#include <chrono>
#include <functional>
#include <vector>

namespace hetspec::bench {

struct MeasureOptions {
  int warmup = 2;            // untimed calls first
  int min_reps = 5;
  int max_reps = 40;
  double target_cv = 0.02;   // stop once the robust spread is below this
  double max_seconds = 0.5;  // per point (after warm-up); at least min_reps are always taken
  bool remeasure_noisy = true;
};

struct Measurement {
  double median = 0;  // same unit as the samples (µs throughout the profiler)
  double cv = 0;      // 1.4826 · MAD / median
  int reps = 0;
};

// Median and robust spread of samples.
Measurement summarize(std::vector<double> samples);
// sample() runs the operation once and returns its time (µs); the caller decides what is timed
// (wall clock, OpenCL events, one of several stages).
Measurement measure(const std::function<double()>& sample, const MeasureOptions& opt);

// Seconds since t0, and µs.
using Clock = std::chrono::steady_clock;
inline double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
inline double us_since(Clock::time_point t0) { return seconds_since(t0) * 1e6; }

}  // namespace hetspec::bench
