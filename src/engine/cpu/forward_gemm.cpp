#include "hetspec/engine/cpu/forward_gemm.hpp"

#include <vector>

#include "hetspec/engine/cpu/quant_blocks.hpp"

namespace hetspec {

// Scalar stand-in until the CPU kernels land: dequantize each weight row once, dot with every x row.
void forward_gemm(const WeightView& w, const float* x, float* y, int64_t m, ThreadPool*) {
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
