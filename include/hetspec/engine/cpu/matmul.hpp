// CPU matrix multiply against quantized weights, the hot loop of every forward:
//   Y(m, n) = X(m, k) · W(n, k)^T        X, Y: f32 row-major; W: WeightView in its dtype.
// m = 1 is decode (GEMV, memory-bound); m > 1 is prefill / verification (GEMM).
// The code path (scalar reference, AVX2, AVX-512, NEON) is chosen at run time (ruy's Path).
#pragma once
#include <cstdint>

#include "hetspec/engine/weight_view.hpp"

namespace hetspec {

class ThreadPool;

enum class CpuPath { Scalar, AVX2, AVX512, NEON };
CpuPath best_cpu_path();                 // the fastest path this CPU supports
const char* cpu_path_name(CpuPath p);
bool cpu_path_supported(CpuPath p);

// pool == nullptr runs on the calling thread.
void matmul(const WeightView& w, const float* x, float* y, int64_t m, ThreadPool* pool = nullptr);
void matmul_path(CpuPath path, const WeightView& w, const float* x, float* y, int64_t m, ThreadPool* pool = nullptr);
// Scalar reference: dequantize each row, f32/double dot. The parity oracle.
void matmul_ref(const WeightView& w, const float* x, float* y, int64_t m);

}  // namespace hetspec
