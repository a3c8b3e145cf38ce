// Dispatcher for Y = X·W^T: picks the path, quantizes the activations once per call (for quantized
// weights), and splits the output rows over the thread pool. Also the scalar reference matmul_ref.
#include "hetspec/engine/cpu/matmul.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "hetspec/engine/cpu/cpu_features.hpp"
#include "hetspec/engine/cpu/quant_blocks.hpp"
#include "hetspec/engine/cpu/repack.hpp"
#include "hetspec/engine/cpu/thread_pool.hpp"
#include "matmul_internal.hpp"

namespace hetspec {

namespace {

bool is_quantized(DType t) { return t == DType::Q8_0 || t == DType::Q4_0 || t == DType::Q4_1; }

void check_args(const char* fn, const WeightView& w, const float* x, const float* y, int64_t m) {
  // Cheap on the hot path: the message is only built when throwing ("fn: what").
  auto where = [fn] { return std::string(fn) + ": "; };
  if (!cpu_supports_dtype(w.dtype))
    throw std::invalid_argument(where() + "unsupported weight dtype " + dtype_name(w.dtype));
  if (w.rows < 0 || w.cols < 0 || m < 0) throw std::invalid_argument(where() + "negative shape");
  if (w.cols % dtype_info(w.dtype).block_size != 0)
    throw std::invalid_argument(where() + "k=" + std::to_string(w.cols) + " is not a multiple of the " +
                                dtype_name(w.dtype) + " block size");
  if (is_quantized(w.dtype) && w.cols % QK != 0)
    throw std::invalid_argument(where() + "k must be a multiple of 32");
  if ((w.rows > 0 && w.cols > 0 && !w.data) || (m > 0 && (!x || !y)))
    throw std::invalid_argument(where() + "null pointer");
  if (w.layout == RowLayout::X8 && (!x8_supported(w.dtype) || w.rows % kX8Rows != 0))
    throw std::invalid_argument(where() + "the X8 layout needs Q4_0/Q4_1/Q8_0 rows in groups of 8, got " +
                                std::to_string(w.rows) + " rows of " + dtype_name(w.dtype));
}

detail::RowsFn rows_fn(CpuPath p, const WeightView& w) {
  const DType t = w.dtype;
  detail::RowsFn f = nullptr;
  if (w.layout == RowLayout::X8) {
    if (p == CpuPath::AVX512) f = detail::rows_fn_x8_avx512(t);
    if (p == CpuPath::AVX2) f = detail::rows_fn_x8_avx2(t);
    if (p == CpuPath::NEONDot) f = detail::rows_fn_x8_neon(t);
    return f ? f : detail::rows_fn_x8_scalar(t);
  }
  switch (p) {
    case CpuPath::Scalar: f = detail::rows_fn_scalar(t); break;
    case CpuPath::AVX2: f = detail::rows_fn_avx2(t); break;
    case CpuPath::AVX512: f = detail::rows_fn_avx512(t); break;
    case CpuPath::NEON: f = detail::rows_fn_neonv8(t); break;
    case CpuPath::NEONDot: f = detail::rows_fn_neon(t); break;
  }
  return f ? f : detail::rows_fn_scalar(t);
}

using QuantRowFn = void (*)(const float*, int8_t*, float*, float*, int64_t);
QuantRowFn quant_fn(CpuPath p) {
#if defined(__x86_64__)
  if (p == CpuPath::AVX2 || p == CpuPath::AVX512) return detail::quantize_x_row_avx2;
#endif
#if defined(__aarch64__)
  if (p == CpuPath::NEON || p == CpuPath::NEONDot) return detail::quantize_x_row_neon;
#endif
  return detail::quantize_x_row_scalar;
}

// Chunks per thread of a threaded matmul over `bytes` of weights: about one per kChunkBytes, between 1
// and 8 per thread. Every chunk is claimed and reported through two shared atomics; measured on the
// 16-core Xeon (docs/runs/h200-x8-avx512/cpu-chunks.txt), SmolLM2 decoded 314 tok/s with 8 chunks per
// thread (9 KB each) and 390 with 1 (69 KB), while Llama-1B wanted 8 (164 KB each: 132 against 107 tok/s
// with 1): small chunks cost their claims, big ones leave cores idle at the end. Up to 8 per thread
// also lets the other cores take over a slow (shared) core's chunks. HETSPEC_CPU_CHUNKS (1-64) fixes
// the count, to measure another split.
constexpr int64_t kChunkBytes = 128 << 10;
int64_t chunks_per_thread(int threads, int64_t bytes) {
  static const int64_t env = [] {
    const char* e = std::getenv("HETSPEC_CPU_CHUNKS");
    const long v = e ? std::strtol(e, nullptr, 10) : 0;
    return static_cast<int64_t>(v >= 1 && v <= 64 ? v : 0);
  }();
  if (env) return env;
  const int64_t per = (bytes + kChunkBytes * threads / 2) / (kChunkBytes * threads);  // rounded
  return std::clamp<int64_t>(per, 1, 8);
}

// Per-thread scratch for the quantized activations, reused across calls (prefill m x k can be
// large; reallocating every call would page-fault each time).
struct Scratch {
  std::vector<int8_t> qs;
  std::vector<float> ds, ds81;
};
Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

}  // namespace

void matmul_many_path(CpuPath path, const WeightView* ws, float* const* ys, int count, const float* x, int64_t m,
                      ThreadPool* pool) {
  if (count <= 0) return;
  const int64_t k = ws[0].cols;
  bool any_quant = false;
  int64_t total = 0;
  for (int j = 0; j < count; ++j) {
    check_args("matmul", ws[j], x, ys[j], m);
    if (ws[j].cols != k)
      throw std::invalid_argument("matmul_many: weights have different k (" + std::to_string(ws[j].cols) + " vs " +
                                  std::to_string(k) + ")");
    any_quant = any_quant || is_quantized(ws[j].dtype);
    total += ws[j].rows;
  }
  if (!cpu_path_supported(path))
    throw std::invalid_argument(std::string("matmul: path ") + cpu_path_name(path) + " not supported by this CPU");
  if (m == 0 || total == 0) return;
  if (k == 0) {
    for (int j = 0; j < count; ++j)
      for (int64_t i = 0; i < m * ws[j].rows; ++i) ys[j][i] = 0;
    return;
  }
  detail::QuantX xq;
  if (any_quant) {
    Scratch& s = scratch();
    const int64_t nb = k / QK;
    if (static_cast<int64_t>(s.qs.size()) < m * k) s.qs.resize(m * k);
    if (static_cast<int64_t>(s.ds.size()) < m * nb * 2) s.ds.resize(m * nb * 2);
    if (static_cast<int64_t>(s.ds81.size()) < m * nb * 2) s.ds81.resize(m * nb * 2);
    QuantRowFn q = quant_fn(path);
    int8_t* qs = s.qs.data();
    float* ds = s.ds.data();
    float* ds81 = s.ds81.data();
    auto quant_rows = [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) q(x + i * k, qs + i * k, ds + i * nb * 2, ds81 + i * nb * 2, k);
    };
    if (pool && m >= 8) pool->parallel_for(m, 4, quant_rows);
    else quant_rows(0, m);
    xq.qs = qs;
    xq.ds = ds;
    xq.ds81 = ds81;
    xq.k = k;
    xq.nb = nb;
  }
  detail::RowsFn fs[16];
  std::vector<detail::RowsFn> fs_big;
  detail::RowsFn* f = fs;
  if (count > 16) {
    fs_big.resize(count);
    f = fs_big.data();
  }
  for (int j = 0; j < count; ++j) f[j] = rows_fn(path, ws[j]);
  // Rows of all weights form one index space [0, total); a chunk may span several weights.
  auto run_rows = [&](int64_t b, int64_t e) {
    int64_t off = 0;
    for (int j = 0; j < count && off < e; ++j) {
      const int64_t lo = std::max(b, off), hi = std::min(e, off + ws[j].rows);
      if (lo < hi) f[j](ws[j], x, xq, ys[j], m, lo - off, hi - off);
      off += ws[j].rows;
    }
  };
  if (!pool || pool->threads() <= 1) {
    run_rows(0, total);
    return;
  }
  // Chunks of whole 16-row groups, chunks_per_thread() per thread.
  const int64_t t = pool->threads();
  int64_t bytes = 0;
  for (int j = 0; j < count; ++j) bytes += ws[j].rows * static_cast<int64_t>(ws[j].row_stride());
  const int64_t per = chunks_per_thread(static_cast<int>(t), bytes);
  int64_t grain = (total + t * per - 1) / (t * per);
  grain = std::max<int64_t>(16, (grain + 15) / 16 * 16);
  pool->parallel_for(total, grain, run_rows);
}

void matmul_path(CpuPath path, const WeightView& w, const float* x, float* y, int64_t m, ThreadPool* pool) {
  matmul_many_path(path, &w, &y, 1, x, m, pool);
}

namespace {
// best_cpu_path(), but a matmul whose weights are all X8 takes x8_matmul_path(m) (measured).
CpuPath default_path(const WeightView* ws, int count, int64_t m) {
  if (m < 1 || count <= 0) return best_cpu_path();
  for (int j = 0; j < count; ++j)
    if (ws[j].layout != RowLayout::X8) return best_cpu_path();
  return x8_matmul_path(m);
}
}  // namespace

void matmul(const WeightView& w, const float* x, float* y, int64_t m, ThreadPool* pool) {
  matmul_path(default_path(&w, 1, m), w, x, y, m, pool);
}

void matmul_many(const WeightView* ws, float* const* ys, int count, const float* x, int64_t m, ThreadPool* pool) {
  matmul_many_path(default_path(ws, count, m), ws, ys, count, x, m, pool);
}

void matmul_ref(const WeightView& w, const float* x, float* y, int64_t m) {
  check_args("matmul_ref", w, x, y, m);
  const int64_t n = w.rows, k = w.cols;
  std::vector<float> row(k);
  std::vector<uint8_t> bytes(w.row_stride());
  for (int64_t r = 0; r < n; ++r) {
    copy_row_plain(w, r, bytes.data());
    dequantize_row_ref(w.dtype, bytes.data(), row.data(), k);
    for (int64_t i = 0; i < m; ++i) {
      double acc = 0;
      const float* xi = x + i * k;
      for (int64_t j = 0; j < k; ++j) acc += static_cast<double>(row[j]) * xi[j];
      y[i * n + r] = static_cast<float>(acc);
    }
  }
}

}  // namespace hetspec
