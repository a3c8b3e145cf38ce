// The portable kernel for weights in the X8 layout (cpu/repack.hpp): each group of 8 rows is copied
// back to the plain layout and run through the scalar path. The reference the SIMD X8 kernels are
// tested against (same integer block dots, so equal up to f32 summation order), and the fallback of
// paths without X8 kernels (the engine repacks only where a fast one exists).
#include <algorithm>
#include <vector>

#include "hetspec/engine/cpu/repack.hpp"
#include "matmul_internal.hpp"

namespace hetspec::detail {

namespace {

template <DType T>
void rows_x8_scalar(const WeightView& w, const float* x, const QuantX& xq, float* y, int64_t m, int64_t r0, int64_t r1) {
  thread_local std::vector<uint8_t> plain;  // (8, k) in T, plain layout
  thread_local std::vector<float> y8;       // (m, 8)
  const int64_t stride = int64_t(w.row_stride());
  plain.resize(size_t(kX8Rows * stride));
  y8.resize(size_t(m * kX8Rows));
  const RowsFn f = rows_fn_scalar(T);
  for (int64_t g = r0 / kX8Rows; g * kX8Rows < r1; ++g) {
    for (int r = 0; r < kX8Rows; ++r) copy_row_plain(w, g * kX8Rows + r, plain.data() + r * stride);
    const WeightView group{plain.data(), T, kX8Rows, w.cols};
    f(group, x, xq, y8.data(), m, 0, kX8Rows);
    const int64_t lo = std::max<int64_t>(r0, g * kX8Rows), hi = std::min<int64_t>(r1, (g + 1) * kX8Rows);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t r = lo; r < hi; ++r) y[i * w.rows + r] = y8[i * kX8Rows + (r - g * kX8Rows)];
  }
}

}  // namespace

RowsFn rows_fn_x8_scalar(DType t) {
  switch (t) {
    case DType::Q8_0: return rows_x8_scalar<DType::Q8_0>;
    case DType::Q4_0: return rows_x8_scalar<DType::Q4_0>;
    case DType::Q4_1: return rows_x8_scalar<DType::Q4_1>;
    default: return nullptr;
  }
}

}  // namespace hetspec::detail
