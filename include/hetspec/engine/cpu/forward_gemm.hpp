// The one matmul entry the forward pass calls: Y(m, n) = X(m, k) · W(n, k)^T. A seam so the
// forward can switch kernels (scalar reference now, the runtime-dispatched `matmul` when present)
// without touching the layer code.
#pragma once
#include <cstdint>

#include "hetspec/engine/weight_view.hpp"

namespace hetspec {

class ThreadPool;

void forward_gemm(const WeightView& w, const float* x, float* y, int64_t m, ThreadPool* pool);

}  // namespace hetspec
