// Which X8 kernel a matmul of m tokens takes, by measurement (issue 12: "choose the path by
// measurement"). The AVX-512 X8 kernel reads two groups of 8 rows per pass (two streams) and needs
// 2.5x fewer instructions per (row, token): it wins every batch (m > 1) and a GEMV whose weights are
// in cache, but a GEMV streaming its weights from DRAM depends on how the host's prefetchers follow
// two streams. On a 2-core Zen 4 VM (2026-12-04) the AVX2 kernel (one stream) decoded SmolLM2 1.8x
// faster there (bench_matmul decode_matmuls: 250 vs 120 tok/s) while hot matrices ran 1.4x faster on
// AVX-512; on the VMs of the previous sessions the two were at parity. The kernels' outputs are equal
// bit for bit, so the choice moves time only: measured once per process, on first use, over a
// synthetic Q4_1 matrix streamed from DRAM (flushed from the caches before each pass), both kernels
// alternated three times, the faster minimum wins.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "hetspec/engine/cpu/matmul.hpp"
#include "hetspec/engine/cpu/repack.hpp"
#include "matmul_internal.hpp"

namespace hetspec {

namespace {

// The batch sizes measured; a matmul of m tokens takes the choice of the smallest bucket >= m (the
// last one beyond).
constexpr int kBuckets[] = {1, 2, 4, 8};
constexpr int kNBuckets = 4;

struct Choice {
  CpuPath path[kNBuckets];
  std::string why;
};

Choice uniform(CpuPath p, const std::string& why) { return {{p, p, p, p}, why}; }

#if defined(__x86_64__)
// Bytes of the synthetic weight stream: flushed from the caches before each timed pass (clflush), so
// each pass reads DRAM as a decode of a model larger than the cache does, without holding a buffer
// larger than the last-level cache (peak RSS).
constexpr int64_t kStreamBytes = int64_t(8) << 20;

void flush(const std::vector<uint8_t>& b) {
  for (size_t i = 0; i < b.size(); i += 64) _mm_clflush(b.data() + i);
  _mm_mfence();
}
Choice measure() {
  const CpuPath best = best_cpu_path();
  if (best != CpuPath::AVX512 || !cpu_path_supported(CpuPath::AVX2))
    return uniform(best, std::string(cpu_path_name(best)) + " (the only X8 kernel here)");
  const detail::RowsFn f512 = detail::rows_fn_x8_avx512(DType::Q4_1), f2 = detail::rows_fn_x8_avx2(DType::Q4_1);
  if (!f512 || !f2) return uniform(best, std::string(cpu_path_name(best)) + " (no AVX2 X8 kernel built)");
  // A Q4_1 matrix of K = 2048 (Llama-1B's width) in the X8 layout: 1280 bytes a row.
  WeightView w;
  w.dtype = DType::Q4_1;
  w.cols = 2048;
  w.rows = kStreamBytes / int64_t(w.row_stride()) / 16 * 16;
  w.layout = RowLayout::X8;
  std::vector<uint8_t> bytes(size_t(w.rows) * w.row_stride());
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = uint8_t(i * 2654435761u >> 13);
  for (size_t i = 0; i < bytes.size(); i += 20 * 8)  // each X8 block: 8 f16 scales, 8 f16 minimums, quants
    std::memset(bytes.data() + i, 0x3c, 32);           // scales 1.0 (0x3c3c ~ 1.06): finite values throughout
  w.data = bytes.data();
  const int mmax = kBuckets[kNBuckets - 1];
  const int64_t nb = w.cols / 32;
  std::vector<float> x(size_t(mmax * w.cols)), y(size_t(mmax * w.rows));
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(int(i % 17) - 8) * 0.125f;
  std::vector<int8_t> qs(x.size());
  std::vector<float> ds(size_t(mmax * nb * 2)), ds81(ds.size());
  for (int i = 0; i < mmax; ++i)
    detail::quantize_x_row_avx2(x.data() + i * w.cols, qs.data() + i * w.cols, ds.data() + i * nb * 2,
                                ds81.data() + i * nb * 2, w.cols);
  detail::QuantX xq;
  xq.qs = qs.data(), xq.ds = ds.data(), xq.ds81 = ds81.data(), xq.k = w.cols, xq.nb = nb;
  Choice c;
  c.why = "by measurement over " + std::to_string(bytes.size() >> 20) + " MiB from DRAM, ms avx2 / avx512:";
  for (int b = 0; b < kNBuckets; ++b) {
    const int m = kBuckets[b];
    double t512 = 1e30, t2 = 1e30;
    for (int rep = 0; rep < 2; ++rep)
      for (int which = 0; which < 2; ++which) {
        flush(bytes);
        const auto t0 = std::chrono::steady_clock::now();
        (which ? f2 : f512)(w, x.data(), xq, y.data(), m, 0, w.rows);
        const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        (which ? t2 : t512) = std::min(which ? t2 : t512, sec);
      }
    c.path[b] = t2 < t512 ? CpuPath::AVX2 : CpuPath::AVX512;
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s m %s%d %s (%.2f / %.2f)", b ? "," : "", b + 1 < kNBuckets ? "<=" : ">=",
                  b == 0 ? 1 : (b + 1 < kNBuckets ? m : kBuckets[b - 1] + 1), cpu_path_name(c.path[b]), t2 * 1e3, t512 * 1e3);
    c.why += buf;
  }
  return c;
}
#else
Choice measure() { return uniform(best_cpu_path(), std::string(cpu_path_name(best_cpu_path())) + " (the only X8 kernel here)"); }
#endif

const Choice& choice() {
  static const Choice c = [] {
    const char* e = std::getenv("HETSPEC_CPU_X8_PATH");
    const std::string v = e ? e : "";
    for (CpuPath p : {CpuPath::AVX2, CpuPath::AVX512})
      if (v == cpu_path_name(p) && cpu_path_supported(p))
        return uniform(p, std::string(cpu_path_name(p)) + " (HETSPEC_CPU_X8_PATH)");
    return measure();
  }();
  return c;
}

}  // namespace

CpuPath x8_matmul_path(int64_t m) {
  int b = 0;
  while (b + 1 < kNBuckets && m > kBuckets[b]) ++b;
  return choice().path[b];
}
const std::string& x8_matmul_choice() { return choice().why; }

std::string cpu_paths_description() {
  std::string s = cpu_path_name(best_cpu_path());
  bool differs = false;
  for (int m : kBuckets) differs = differs || x8_matmul_path(m) != best_cpu_path();
  if (cpu_repack_enabled() && differs) s += "; X8 matmuls " + x8_matmul_choice();
  return s;
}

}  // namespace hetspec
