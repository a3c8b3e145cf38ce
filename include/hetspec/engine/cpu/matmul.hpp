// CPU matrix multiply against quantized weights, the hot loop of every forward:
//   Y(m, n) = X(m, k) · W(n, k)^T        X, Y: f32 row-major; W: WeightView in its dtype.
// m = 1 is decode (GEMV, memory-bound); m > 1 is prefill / verification (GEMM).
// The code path (scalar reference, AVX2, AVX-512, NEON) is chosen at run time (ruy's Path).
#pragma once
#include <cstdint>
#include <vector>

#include "hetspec/engine/weight_view.hpp"

namespace hetspec {

class ThreadPool;

// AVX2 = AVX2+FMA+F16C; AVX512 = F/BW/VL/DQ + VNNI; NEON = baseline armv8 NEON; NEONDot = armv8.2
// NEON with the dot-product extension (SDOT). Quantized weights run as integer dots against
// activations quantized once per call to 8 bits per block of 32 (llama.cpp's Q8_1 design).
enum class CpuPath { Scalar, AVX2, AVX512, NEON, NEONDot };
CpuPath best_cpu_path();                 // the fastest path this CPU supports
const char* cpu_path_name(CpuPath p);    // "scalar", "avx2", "avx512", "neon", "neon-dotprod"
bool cpu_path_supported(CpuPath p);
std::vector<CpuPath> supported_cpu_paths();  // Scalar first, best last

// pool == nullptr runs on the calling thread.
void matmul(const WeightView& w, const float* x, float* y, int64_t m, ThreadPool* pool = nullptr);
void matmul_path(CpuPath path, const WeightView& w, const float* x, float* y, int64_t m, ThreadPool* pool = nullptr);
// Scalar reference: dequantize each row, f32/double dot. The parity oracle.
void matmul_ref(const WeightView& w, const float* x, float* y, int64_t m);

}  // namespace hetspec
