#include "hetspec/bench/bandwidth.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include "hetspec/engine/cpu/thread_pool.hpp"

namespace hetspec::bench {

uint64_t read_sum(const uint64_t* p, size_t words) {
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (size_t i = 0; i + 4 <= words; i += 4) {
    s0 += p[i];
    s1 += p[i + 1];
    s2 += p[i + 2];
    s3 += p[i + 3];
  }
  return s0 + s1 + s2 + s3;
}

namespace {
volatile uint64_t g_sink = 0;  // keeps the sums alive

void read_once(const uint64_t* buf, size_t words, ThreadPool* pool) {
  if (!pool || pool->threads() <= 1) {
    g_sink = g_sink + read_sum(buf, words);
    return;
  }
  const int t = pool->threads();
  const size_t chunk = (words / t) & ~size_t(7);
  uint64_t part[64] = {};
  pool->parallel_for(t, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      size_t n = i == t - 1 ? words - chunk * size_t(i) : chunk;
      part[(i % 8) * 8] += read_sum(buf + chunk * size_t(i), n);
    }
  });
  g_sink = g_sink + part[0];
}
}  // namespace

double read_pass_seconds(const uint64_t* buf, size_t bytes, ThreadPool* pool) {
  auto t0 = Clock::now();
  read_once(buf, bytes / 8, pool);
  return seconds_since(t0);
}

std::vector<double> working_sets(double max_bytes) {
  std::vector<double> s;
  for (double b = 16384; b < max_bytes * 0.999; b *= 4) s.push_back(b);
  s.push_back(max_bytes);
  return s;
}

std::vector<BandwidthPoint> read_bandwidth_curve(const std::vector<double>& sizes, ThreadPool* pool,
                                                 const MeasureOptions& opt) {
  size_t max_bytes = 0;
  for (double s : sizes) max_bytes = std::max(max_bytes, size_t(s));
  std::unique_ptr<uint64_t[]> buf(new uint64_t[max_bytes / 8 + 8]);
  std::fill_n(buf.get(), max_bytes / 8 + 8, uint64_t(1));  // touch every page
  std::vector<BandwidthPoint> out;
  for (double s : sizes) {
    const size_t bytes = size_t(s) / 64 * 64;
    const int passes = std::max(1, int(std::ceil(4e6 / double(bytes))));
    Measurement m = measure(
        [&] {
          auto t0 = Clock::now();
          for (int p = 0; p < passes; ++p) read_once(buf.get(), bytes / 8, pool);
          return us_since(t0) / passes;
        },
        opt);
    BandwidthPoint pt;
    pt.bytes = double(bytes);
    pt.gbps = double(bytes) / (m.median * 1e3);
    out.push_back(pt);
  }
  return out;
}

}  // namespace hetspec::bench
