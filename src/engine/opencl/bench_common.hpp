// What the OpenCL measurement files (cl_bench.cpp, cl_launch_probe.cpp) share: a clock, a median and
// weight matrices of valid quantized blocks whose values do not matter for timing. Internal to
// src/engine/opencl.
#pragma once
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <vector>

#include "hetspec/core/dtype.hpp"
#include "hetspec/engine/cpu/quant_blocks.hpp"

namespace hetspec::ocl::bench_common {

using Clock = std::chrono::steady_clock;
inline double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// A (rows, cols) matrix of valid blocks: one quantized random row repeated.
inline std::vector<uint8_t> make_matrix(DType t, int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> src(static_cast<size_t>(cols));
  for (auto& x : src) x = u(rng);
  const size_t rb = row_bytes(t, cols);
  std::vector<uint8_t> row(rb), out(rb * size_t(rows));
  quantize_row_ref(t, src.data(), row.data(), cols);
  for (int64_t r = 0; r < rows; ++r) std::copy(row.begin(), row.end(), out.begin() + r * rb);
  return out;
}

}  // namespace hetspec::ocl::bench_common
