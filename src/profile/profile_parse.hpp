// Shared pieces of the strict profile loader (profile_load.cpp reads the schema's core,
// profile_load_measured.cpp the tables only `hetspec profile` writes). Internal to src/profile/.
#pragma once
#include <cmath>
#include <set>
#include <string>

#include "hetspec/core/error.hpp"
#include "hetspec/core/yaml_reader.hpp"
#include "hetspec/profile/profile.hpp"

namespace hetspec::profile_parse {

constexpr double kMaxBw = 1e5;        // GB/s: nothing on a SoC (or an H100's HBM) exceeds this
constexpr double kMaxGflops = 1e7;
constexpr double kMaxBytes = 1e15;

inline double bounded(const YamlMap& y, const std::string& key, double hi, bool allow_zero, double fallback, bool required) {
  if (!required && !y.has(key)) return fallback;
  double v = allow_zero ? y.non_negative(key) : y.positive(key);
  if (v > hi) throw Error(y.where(key), "absurd value " + y.node()[key].Scalar() + " (limit " + std::to_string(hi) + ")");
  return v;
}

inline double fraction(const YamlMap& y, const std::string& key, double fallback) {
  if (!y.has(key)) return fallback;
  double v = y.positive(key);
  if (v > 1) throw Error(y.where(key), "must be in (0, 1], got " + y.node()[key].Scalar());
  return v;
}

inline DType dtype_at(const YamlMap& y, const std::string& key) {
  std::string s = y.get<std::string>(key);
  auto t = parse_dtype(s);
  if (!t) throw Error(y.where(key), "unknown dtype '" + s + "'");
  return *t;
}

inline Roofline parse_roofline(const YamlMap& y) {
  Roofline r;
  r.dram_bw_gbps = bounded(y, "dram_bw_gbps", kMaxBw, false, 0, true);
  r.bw_per_thread_gbps = bounded(y, "bw_per_thread_gbps", kMaxBw, false, 0, false);
  r.cache_bytes = bounded(y, "cache_bytes", kMaxBytes, true, 0, false);
  r.cache_bw_gbps = bounded(y, "cache_bw_gbps", kMaxBw, false, r.dram_bw_gbps, false);
  YamlMap peak = y.map("peak_gflops");
  r.peak_gflops[0] = bounded(peak, "f32", kMaxGflops, false, 0, true);
  r.peak_gflops[1] = bounded(peak, "f16", kMaxGflops, false, r.peak_gflops[0], false);
  r.peak_gflops[2] = bounded(peak, "int8", kMaxGflops, false, r.peak_gflops[1], false);
  peak.done();
  r.gemv_bw_efficiency = fraction(y, "gemv_bw_efficiency", 0.8);
  r.gemm_efficiency = fraction(y, "gemm_efficiency", 0.5);
  y.done();
  return r;
}

inline KernelTable parse_table(const YamlMap& y) {
  KernelTable t;
  t.k = y.positive_int("k");
  t.n = y.positive_int("n");
  t.dtype = dtype_at(y, "dtype");
  t.threads = y.positive_int("threads");
  t.m = y.list<int>("m");
  t.us = y.list<double>("us");
  if (y.has("wall_us")) t.wall_us = y.list<double>("wall_us");
  if (y.has("cv")) t.cv = y.list<double>("cv");
  t.set_bytes = bounded(y, "set_bytes", kMaxBytes, true, 0, false);
  y.done();
  if (!t.wall_us.empty() && t.wall_us.size() != t.m.size())
    throw Error(y.where("wall_us"), "has " + std::to_string(t.wall_us.size()) + " entries but m has " + std::to_string(t.m.size()));
  if (!t.cv.empty() && t.cv.size() != t.m.size())
    throw Error(y.where("cv"), "has " + std::to_string(t.cv.size()) + " entries but m has " + std::to_string(t.m.size()));
  for (size_t i = 0; i < t.wall_us.size(); ++i)
    if (!std::isfinite(t.wall_us[i]) || t.wall_us[i] <= 0 || t.wall_us[i] > 1e9)
      throw Error(y.where("wall_us[" + std::to_string(i) + "]"), "time must be positive and finite (µs)");
  for (size_t i = 0; i < t.cv.size(); ++i)
    if (!std::isfinite(t.cv[i]) || t.cv[i] < 0 || t.cv[i] > 10)
      throw Error(y.where("cv[" + std::to_string(i) + "]"), "coefficient of variation must be in [0, 10]");
  if (t.m.empty()) throw Error(y.where("m"), "must not be empty");
  if (t.m.size() != t.us.size())
    throw Error(y.where("us"), "has " + std::to_string(t.us.size()) + " entries but m has " + std::to_string(t.m.size()));
  for (size_t i = 0; i < t.m.size(); ++i) {
    if (t.m[i] <= 0 || (i > 0 && t.m[i] <= t.m[i - 1]))
      throw Error(y.where("m[" + std::to_string(i) + "]"), "token counts must be positive and strictly increasing");
    if (!std::isfinite(t.us[i]) || t.us[i] <= 0 || t.us[i] > 1e9)
      throw Error(y.where("us[" + std::to_string(i) + "]"), "time must be positive and finite (µs)");
  }
  return t;
}


// The measured-only keys of one PU (launches, head / attention / elementwise tables, forward checks,
// transfers); each is optional.
void parse_measured_pu(const YamlMap& y, ProcessingUnit& p);
Provenance parse_provenance(const YamlMap& y);
// The `calibration:` block `hetspec calibrate` writes; `ids` are the profile's PU ids.
Calibration parse_calibration(const YamlMap& y, const std::set<std::string>& ids);
// The `executor:` block `profile --engine llama.cpp` writes.
ExecutorModel parse_executor(const YamlMap& y, const std::set<std::string>& ids);

}  // namespace hetspec::profile_parse
