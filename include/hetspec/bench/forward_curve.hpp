// `hetspec bench-forward`: the time of one forward of m tokens appended at a context depth, for a
// list of m, on one PU — the engine's side of llama-bench's `pp m` (`-p m [-d depth]`), and the verify
// curve T(m)/T(1) a speculative plan rests on.
//
//   T(m)       median wall time of runner.forward(m tokens at positions depth .. depth+m-1), blocking
//              until the logits are on the host; the cache is prefilled to `depth` once, untimed, and
//              each timed forward overwrites positions depth.. (what llama-bench does after clearing
//              its cache and restoring the depth state).
//   tokens/s   m / T(m)                         (llama-bench's avg_ts for pp m)
//   ratio      T(m) / T(1)                      (T(1) is measured even when 1 is not in the list)
//
// Logit rows: llama-bench's prompt batch asks for the last token's logits only (LastRow); a verify
// pass needs all m rows (AllRows), which adds m - 1 rows of the LM head.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hetspec/bench/forward_timeline.hpp"
#include "hetspec/engine/cpu_model.hpp"
#include "hetspec/engine/runner/device_registry.hpp"

namespace hetspec::bench {

enum class LogitRows { All, Last };

struct ForwardCurveOptions {
  std::string device = "cpu";  // a --device plan: cpu, cl:0, or a split
  int threads = 1;
  std::vector<int> ms{1, 2, 4, 8, 16};
  int depth = 64;
  int reps = 5;    // timed forwards per m (the median is reported)
  int warmup = 1;  // untimed forwards per m first (llama-bench: one warm-up run)
  // Before anything is timed, one-token forwards for this long: a GPU idles at a low clock (the
  // H200 at 345 MHz) and needs ~0.1-0.2 s of work to reach its running clock.
  double warmup_s = 0.25;
  LogitRows logits = LogitRows::All;
  int tg = 0;  // > 0: also a decode run of tg single-token forwards (llama-bench's tg N)
  int kernel_times = 0;  // > 0: after the decode run, this many steps with every OpenCL launch timed
};

// llama-bench's `tg N`: N consecutive single-token forwards from the depth on, each waiting for its
// logits on the host and feeding back their argmax (a greedy decode step without detokenisation).
struct DecodeRun {
  int n = 0;
  double seconds = 0;
  double tokens_per_s = 0;
  std::vector<ForwardTimeline> timelines;  // per OpenCL device of the plan (ForwardCurveOptions::kernel_times)
};

struct ForwardCurvePoint {
  int m = 1;
  double us = 0;  // median
  double cv = 0;  // robust spread (1.4826 MAD / median)
  double tokens_per_s = 0;
  double ratio = 0;  // T(m) / T(1)
};

struct ForwardCurve {
  std::string model;  // ModelSpec::name
  std::string device, runner;  // the plan asked for, and the runner's own description
  std::string cpu_path;        // cpu_paths_description() where the runner uses the CPU, else empty
  int threads = 1, depth = 0, reps = 0;
  LogitRows logits = LogitRows::All;
  double t1_us = 0;
  std::vector<ForwardCurvePoint> points;  // in the order of ForwardCurveOptions::ms
  DecodeRun tg;                           // n = 0 when not asked for
};

// "1,2,4", "1-17", or a mix ("1-4,8,16"); each m in 1..max_m. Throws Error("--m", why).
std::vector<int> parse_m_list(const std::string& text, int max_m = 4096);
LogitRows parse_logit_rows(const std::string& text);  // "all" | "last"; throws Error("--logits", why)
const char* logit_rows_name(LogitRows r);

// Checks the options against the model (depth + max m within its context) before any work.
ForwardCurve bench_forward_curve(const CpuModel& model, const ForwardCurveOptions& opt, DeviceRegistry& reg);

// The decode run alone (opt.tg steps; opt.device, threads, depth and warmup_s as for the curve).
DecodeRun bench_decode_run(const CpuModel& model, const ForwardCurveOptions& opt, DeviceRegistry& reg);

std::string format_forward_curve(const ForwardCurve& c);  // a header line and one row per m
nlohmann::json forward_curve_json(const ForwardCurve& c);  // schema hetspec.bench-forward/1

}  // namespace hetspec::bench
