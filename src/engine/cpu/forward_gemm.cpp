#include "hetspec/engine/cpu/forward_gemm.hpp"

#include <vector>
#include <cmath>
#include <cstdlib>
#include "hetspec/core/fp16.hpp"

#include "hetspec/engine/cpu/quant_blocks.hpp"

namespace hetspec {

// Scalar stand-in until the CPU kernels land: dequantize each weight row once, dot with every x row.
void forward_gemm(const WeightView& w, const float* x0, float* y, int64_t m, ThreadPool*) {
  std::vector<float> row(size_t(w.cols));  // (k)
  std::vector<float> xq(x0, x0 + m * w.cols);
  if (std::getenv("SIMQ8") && (w.dtype == DType::Q4_1 || w.dtype == DType::Q4_0 || w.dtype == DType::Q8_0)) {
    for (int64_t b = 0; b < m * w.cols / 32; ++b) {
      float* xb = xq.data() + b * 32; float amax = 0;
      for (int j = 0; j < 32; ++j) amax = std::fmax(amax, std::fabs(xb[j]));
      float d = amax / 127.0f, id = d ? 1.0f / d : 0.0f; float dh = fp16_to_fp32(fp32_to_fp16(d));
      for (int j = 0; j < 32; ++j) xb[j] = std::roundf(xb[j] * id) * dh;
      if (std::getenv("SIMQ8S") && w.dtype == DType::Q4_1) {} 
    }
  }
  const float* x = xq.data();
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
