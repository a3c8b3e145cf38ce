#include "hetspec/engine/cpu/forward_gemm.hpp"

#include <cmath>
#include <cstdlib>
#include <vector>

#include "hetspec/core/fp16.hpp"
#include "hetspec/engine/cpu/quant_blocks.hpp"

namespace hetspec {

namespace {
// llama.cpp-exact emulation (experiment): activations to Q8_1/Q8_0 with f16 d and s.
void gemm_llamacpp(const WeightView& w, const float* x, float* y, int64_t m) {
  const int64_t nb = w.cols / QK;
  std::vector<int8_t> q(size_t(m * w.cols));
  std::vector<float> d(size_t(m * nb)), s(size_t(m * nb));
  for (int64_t b = 0; b < m * nb; ++b) {
    const float* xb = x + b * QK;
    float amax = 0;
    for (int j = 0; j < QK; ++j) amax = std::fmax(amax, std::fabs(xb[j]));
    float dd = amax / 127.0f, id = dd ? 1.0f / dd : 0.0f;
    int sum = 0;
    for (int j = 0; j < QK; ++j) { q[size_t(b * QK + j)] = int8_t(std::roundf(xb[j] * id)); sum += q[size_t(b * QK + j)]; }
    d[size_t(b)] = fp16_to_fp32(fp32_to_fp16(dd));
    s[size_t(b)] = fp16_to_fp32(fp32_to_fp16(dd * float(sum)));
  }
  for (int64_t n = 0; n < w.rows; ++n) {
    for (int64_t i = 0; i < m; ++i) {
      float acc = 0, summs = 0;
      for (int64_t b = 0; b < nb; ++b) {
        const int8_t* qx = q.data() + (i * nb + b) * QK;
        int sumi = 0;
        if (w.dtype == DType::Q4_1) {
          const BlockQ4_1& blk = reinterpret_cast<const BlockQ4_1*>(w.row(n))[b];
          for (int j = 0; j < QK / 2; ++j) sumi += (blk.qs[j] & 15) * qx[j] + (blk.qs[j] >> 4) * qx[j + 16];
          acc += fp16_to_fp32(blk.d) * d[size_t(i * nb + b)] * float(sumi);
          summs += fp16_to_fp32(blk.m) * s[size_t(i * nb + b)];
        } else {
          const BlockQ8_0& blk = reinterpret_cast<const BlockQ8_0*>(w.row(n))[b];
          for (int j = 0; j < QK; ++j) sumi += blk.qs[j] * qx[j];
          acc += fp16_to_fp32(blk.d) * d[size_t(i * nb + b)] * float(sumi);
        }
      }
      y[i * w.rows + n] = acc + summs;
    }
  }
}
}  // namespace

// Scalar stand-in until the CPU kernels land: dequantize each weight row once, dot with every x row.
void forward_gemm(const WeightView& w, const float* x, float* y, int64_t m, ThreadPool*) {
  if (std::getenv("SIMQ8") && (w.dtype == DType::Q4_1 || w.dtype == DType::Q8_0)) return gemm_llamacpp(w, x, y, m);
  std::vector<float> row(size_t(w.cols));  // (k)
  for (int64_t n = 0; n < w.rows; ++n) {
    dequantize_row_ref(w.dtype, w.row(n), row.data(), w.cols);
    for (int64_t i = 0; i < m; ++i) {
      const float* xi = x + i * w.cols;
      float s = 0;
      for (int64_t j = 0; j < w.cols; ++j) s += xi[j] * row[size_t(j)];
      y[i * w.rows + n] = s;
    }
  }
}

}  // namespace hetspec
