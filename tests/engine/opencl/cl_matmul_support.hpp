// Shared by the OpenCL matmul parity tests: a quantized random weight with its reference
// dequantization, the double-precision oracle Y = X . W^T with the per-entry bound sum |w x|, and
// the check that allows only float summation-order error (relative to that bound).
#pragma once
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "cl_test_support.hpp"
#include "hetspec/engine/cpu/quant_blocks.hpp"
#include "hetspec/engine/weight_view.hpp"

namespace hetspec::test {

struct Mat {
  std::vector<uint8_t> bytes;  // (rows, cols) in dtype blocks
  std::vector<float> deq;      // (rows, cols) dequantized by the reference
  WeightView view() const { return {bytes.data(), dtype, rows, cols}; }
  DType dtype;
  int64_t rows, cols;
};

inline Mat make_mat(DType t, int64_t rows, int64_t cols, uint32_t seed) {
  Mat w{{}, {}, t, rows, cols};
  auto src = test::random_floats(size_t(rows * cols), seed);
  size_t rb = row_bytes(t, cols);
  w.bytes.resize(rb * rows);
  w.deq.resize(size_t(rows * cols));
  for (int64_t r = 0; r < rows; ++r) {
    quantize_row_ref(t, src.data() + r * cols, w.bytes.data() + r * rb, cols);
    dequantize_row_ref(t, w.bytes.data() + r * rb, w.deq.data() + r * cols, cols);
  }
  return w;
}

// y(m, rows) and the per-entry bound sum_k |w x| (for the error tolerance).
inline void oracle(const Mat& w, const std::vector<float>& x, int64_t m, std::vector<double>& y, std::vector<double>& mag) {
  y.assign(size_t(m * w.rows), 0.0);
  mag.assign(size_t(m * w.rows), 0.0);
  for (int64_t t = 0; t < m; ++t)
    for (int64_t r = 0; r < w.rows; ++r) {
      double s = 0, a = 0;
      for (int64_t k = 0; k < w.cols; ++k) {
        double p = double(w.deq[r * w.cols + k]) * x[t * w.cols + k];
        s += p;
        a += std::fabs(p);
      }
      y[t * w.rows + r] = s;
      mag[t * w.rows + r] = a;
    }
}

// x as gemv_q8.cl rounds it before its integer dots: per block of 32, d = max|x| / 127 (float) and
// q = x * (1 / d) rounded half to even; returns q * d (the oracle's input on that path).
inline std::vector<float> round_x_q8(const std::vector<float>& x) {
  std::vector<float> r(x.size());
  for (size_t b = 0; b + 32 <= x.size(); b += 32) {
    float amax = 0.0f;
    for (size_t j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[b + j]));
    const float d = amax / 127.0f, id = d > 0.0f ? 1.0f / d : 0.0f;
    for (size_t j = 0; j < 32; ++j) r[b + j] = std::nearbyint(x[b + j] * id) * d;
  }
  return r;
}

// Whether ocl::matmul of m tokens on dev runs the integer-dot GEMM (its x rounded as round_x_q8):
// quantized weights of k >= gemm_q8_min_k columns, a batch past the GEMVs, and a tuning with gemm_q8
// (NVIDIA's default, from K 2048).
inline bool runs_gemm_q8(const ocl::Device& dev, DType t, int64_t k, int64_t m) {
  return ocl::runs_gemm_q8(dev.tuning(), t, k) && m > dev.tuning().gemv_max_m;
}

inline void check_close(const std::vector<float>& got, const std::vector<double>& want, const std::vector<double>& mag,
                 double rel) {
  REQUIRE(got.size() == want.size());
  size_t bad = 0;
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    double err = std::fabs(got[i] - want[i]);
    double tol = rel * mag[i] + 1e-6;
    worst = std::max(worst, err / (mag[i] + 1e-12));
    if (!(err <= tol)) ++bad;
  }
  INFO("worst error / sum|w x| = " << worst);
  CHECK(bad == 0);
}

}  // namespace hetspec::test
