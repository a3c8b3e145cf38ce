#include "hetspec/bench/forward_curve.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <sstream>

#include "hetspec/bench/host.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/core/output_stamp.hpp"
#include "hetspec/engine/cpu/matmul.hpp"
#include "hetspec/engine/runner/runner_factory.hpp"

namespace hetspec::bench {

namespace {
int parse_int(const std::string& s, const std::string& item) {
  size_t used = 0;
  int v = 0;
  try {
    v = std::stoi(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (s.empty() || used != s.size()) throw Error("--m", "not a token count: '" + item + "'");
  return v;
}
}  // namespace

std::vector<int> parse_m_list(const std::string& text, int max_m) {
  std::vector<int> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) throw Error("--m", "empty item in '" + text + "'");
    size_t dash = item.find('-', 1);  // "1-17"; a leading '-' is a (bad) negative number
    int lo = parse_int(item.substr(0, dash), item);
    int hi = dash == std::string::npos ? lo : parse_int(item.substr(dash + 1), item);
    if (lo < 1 || hi > max_m || lo > hi)
      throw Error("--m", "'" + item + "' is not within 1.." + std::to_string(max_m) + " (a range is lo-hi)");
    for (int m = lo; m <= hi; ++m) out.push_back(m);
  }
  if (out.empty()) throw Error("--m", "no token counts in '" + text + "'");
  return out;
}

LogitRows parse_logit_rows(const std::string& text) {
  if (text == "all") return LogitRows::All;
  if (text == "last") return LogitRows::Last;
  throw Error("--logits", "'" + text + "' is not all or last");
}

const char* logit_rows_name(LogitRows r) { return r == LogitRows::All ? "all" : "last"; }

ForwardCurve bench_forward_curve(const CpuModel& model, const ForwardCurveOptions& opt, DeviceRegistry& reg) {
  const ModelSpec& s = model.spec();
  check(!opt.ms.empty(), "--m", "no token counts");
  check(opt.reps >= 1, "--reps", "at least 1");
  check(opt.depth >= 0, "--depth", "at least 0");
  check(opt.threads >= 1, "--threads", "at least 1");
  const int max_m = *std::max_element(opt.ms.begin(), opt.ms.end());
  check(*std::min_element(opt.ms.begin(), opt.ms.end()) >= 1, "--m", "token counts start at 1");
  if (int64_t(opt.depth) + max_m > s.context)
    throw Error("--depth", "depth " + std::to_string(opt.depth) + " + m " + std::to_string(max_m) +
                               " exceeds the model's context of " + std::to_string(s.context));
  check(opt.kernel_times >= 0, "--kernel-times", "at least 0");
  if (int64_t(opt.depth) + std::max(opt.tg, opt.kernel_times) > s.context)
    throw Error(opt.tg >= opt.kernel_times ? "--tg" : "--kernel-times", "depth " + std::to_string(opt.depth) + " + " +
                                                                           std::to_string(std::max(opt.tg, opt.kernel_times)) +
                            " decode steps exceed the model's context of " + std::to_string(s.context));
  // Each m once, 1 first (the ratio's base), then the rest in ascending order.
  std::set<int> distinct(opt.ms.begin(), opt.ms.end());
  distinct.insert(1);
  std::vector<int> to_measure(distinct.begin(), distinct.end());

  ForwardBench fb(model, opt.device, opt.threads, reg, max_m, opt.depth);
  if (opt.warmup_s > 0) {  // bring the device to its running clock (results discarded)
    MeasureOptions warm;
    warm.warmup = 0;
    warm.min_reps = 1;
    warm.max_reps = 1 << 20;
    warm.target_cv = -1;
    warm.max_seconds = opt.warmup_s;
    warm.remeasure_noisy = false;
    fb.measure({1}, {opt.depth}, warm, true);
  }
  MeasureOptions mo;
  mo.warmup = opt.warmup;
  mo.min_reps = mo.max_reps = opt.reps;  // exactly reps timed forwards: a fixed count like llama-bench's -r
  mo.max_seconds = 0;
  mo.remeasure_noisy = false;
  std::vector<ForwardCheck> got = fb.measure(to_measure, {opt.depth}, mo, opt.logits == LogitRows::Last);

  ForwardCurve c;
  c.model = s.name;
  c.device = opt.device;
  c.runner = fb.describe();
  if (c.runner.find("cpu") != std::string::npos) c.cpu_path = cpu_paths_description();
  c.threads = opt.threads;
  c.depth = opt.depth;
  c.reps = opt.reps;
  c.logits = opt.logits;
  auto at = [&](int m) -> const ForwardCheck& {
    for (const auto& f : got)
      if (f.m == m) return f;
    throw Error("forward bench", "no measurement at m = " + std::to_string(m));
  };
  c.t1_us = at(1).us;
  for (int m : opt.ms) {
    const ForwardCheck& f = at(m);
    ForwardCurvePoint p;
    p.m = m;
    p.us = f.us;
    p.cv = f.cv;
    p.tokens_per_s = f.us > 0 ? m * 1e6 / f.us : 0;
    p.ratio = c.t1_us > 0 ? f.us / c.t1_us : 0;
    c.points.push_back(p);
  }
  if (opt.tg > 0 || opt.kernel_times > 0) c.tg = bench_decode_run(model, opt, reg);
  return c;
}

DecodeRun bench_decode_run(const CpuModel& model, const ForwardCurveOptions& opt, DeviceRegistry& reg) {
  const ModelSpec& s = model.spec();
  RunnerSpec rs;
  rs.plan = parse_device_plan(opt.device, s.n_layers);
  rs.threads = opt.threads;
  rs.capacity = opt.depth + std::max(opt.tg, opt.kernel_times) + 1;
  auto runner = make_runner(model, rs, reg);
  std::vector<int32_t> prompt(size_t(std::max(1, opt.depth)), 1);  // depth positions (at least one token)
  for (size_t i = 0; i < prompt.size(); ++i) prompt[i] = int32_t(3 + (i * 7919) % size_t(s.vocab - 3));
  const int start = int(prompt.size());
  // A feature-reading draft reads zero features here: the same work as real ones.
  const std::vector<float> zf(s.reads_features ? prompt.size() * size_t(s.d_model) : 0, 0.0f);
  const float* feats = zf.empty() ? nullptr : zf.data();
  int32_t first = 0;
  runner->forward_argmax(prompt.data(), start, 0, 1, feats, &first);
  // Warm-up: decode steps over the same positions (rolled back) until warmup_s has passed.
  // Each step feeds back its argmax (forward_argmax: picked on the device where the head runs there).
  auto run = [&](int n) {
    int32_t tok = first;
    for (int i = 0; i < n; ++i) runner->forward_argmax(&tok, 1, start + i, 1, feats, &tok);
    runner->truncate(start);
  };
  const auto w0 = std::chrono::steady_clock::now();
  do run(std::min(std::max(opt.tg, opt.kernel_times), 16));
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count() < opt.warmup_s);
  DecodeRun d;
  d.n = opt.tg;
  const auto t0 = std::chrono::steady_clock::now();
  if (opt.tg > 0) run(opt.tg);
  d.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  d.tokens_per_s = d.seconds > 0 ? opt.tg / d.seconds : 0;
  if (opt.kernel_times > 0) {
    std::set<int> cls;
    for (const auto& r : rs.plan.ranges)
      if (r.cl >= 0) cls.insert(r.cl);
    if (rs.plan.head_cl >= 0) cls.insert(rs.plan.head_cl);
    if (cls.empty()) throw Error("--kernel-times", "times OpenCL launches; --device " + opt.device + " has none");
#if !HETSPEC_WITH_OPENCL
    throw Error("--kernel-times", "this build has no OpenCL backend");
#endif
    for (int cl : cls) {
      int32_t tok = first;
      int i = 0;
      d.timelines.push_back(time_forward_kernels(reg, cl, opt.kernel_times, [&] {
        runner->forward_argmax(&tok, 1, start + i, 1, feats, &tok);
        ++i;
      }));
      runner->truncate(start);
    }
  }
  return d;
}

std::string format_forward_curve(const ForwardCurve& c) {
  std::string out;
  char buf[256];
  std::snprintf(buf, sizeof buf, "# model %s; device %s (%s); threads %d; depth %d; logits %s; median of %d",
                c.model.c_str(), c.device.c_str(), c.runner.c_str(), c.threads, c.depth, logit_rows_name(c.logits),
                c.reps);
  out += buf;
  out += (c.cpu_path.empty() ? "" : "; cpu path " + c.cpu_path) + "\n";
  std::snprintf(buf, sizeof buf, "%6s %12s %8s %12s %10s\n", "m", "ms", "cv", "tokens/s", "T(m)/T(1)");
  out += buf;
  for (const auto& p : c.points) {
    std::snprintf(buf, sizeof buf, "%6d %12.3f %8.3f %12.2f %10.3f\n", p.m, p.us / 1e3, p.cv, p.tokens_per_s, p.ratio);
    out += buf;
  }
  if (c.tg.n > 0) {
    std::snprintf(buf, sizeof buf, "tg%d: %d single-token forwards from depth %d in %.4f s: %.2f tokens/s\n", c.tg.n,
                  c.tg.n, c.depth, c.tg.seconds, c.tg.tokens_per_s);
    out += buf;
  }
  for (const auto& t : c.tg.timelines) out += format_forward_timeline(t);
  return out;
}

nlohmann::json forward_curve_json(const ForwardCurve& c) {
  nlohmann::json j;
  stamp_output(j, "hetspec.bench-forward/1");
  j["model"] = c.model;
  j["device"] = c.device;
  j["runner"] = c.runner;
  if (!c.cpu_path.empty()) j["cpu_path"] = c.cpu_path;
  j["threads"] = c.threads;
  j["depth"] = c.depth;
  j["reps"] = c.reps;
  j["logits"] = logit_rows_name(c.logits);
  j["t1_us"] = c.t1_us;
  nlohmann::json pts = nlohmann::json::array();
  for (const auto& p : c.points)
    pts.push_back({{"m", p.m}, {"us", p.us}, {"cv", p.cv}, {"tokens_per_s", p.tokens_per_s}, {"ratio", p.ratio}});
  j["points"] = pts;
  if (c.tg.n > 0) j["tg"] = {{"n", c.tg.n}, {"seconds", c.tg.seconds}, {"tokens_per_s", c.tg.tokens_per_s}};
  for (const auto& t : c.tg.timelines) j["kernel_times"].push_back(forward_timeline_json(t));
  return j;
}

}  // namespace hetspec::bench
