// CPU matrix multiply against quantized weights, the hot loop of every forward:
//   Y(m, n) = X(m, k) · W(n, k)^T        X, Y: f32 row-major; W: WeightView in its dtype.
// m = 1 is decode (GEMV, memory-bound); m > 1 is prefill / verification (GEMM).
// The code path (scalar reference, AVX2, AVX-512, NEON) is chosen at run time (ruy's Path).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "hetspec/engine/weight_view.hpp"

namespace hetspec {

class ThreadPool;

// AVX2 = AVX2+FMA+F16C; AVX512 = F/BW/VL/DQ + VNNI; NEON = baseline armv8 NEON; NEONDot = armv8.2
// NEON with the dot-product extension (SDOT). Quantized weights run as integer dots against
// activations quantized once per call to 8 bits per block of 32, exactly as llama.cpp does (f16
// scale, nearest-even rounding; Q4_1 against Q8_1 with its f16 block sum, Q8_0/Q4_0 against Q8_0),
// so results match llama.cpp's up to f32 summation order (and differ from matmul_ref by the
// activation rounding). Float weights (F32/F16/BF16) use f32 activations as they are.
enum class CpuPath { Scalar, AVX2, AVX512, NEON, NEONDot };
CpuPath best_cpu_path();                 // the fastest path this CPU supports
const char* cpu_path_name(CpuPath p);    // "scalar", "avx2", "avx512", "neon", "neon-dotprod"
bool cpu_path_supported(CpuPath p);
std::vector<CpuPath> supported_cpu_paths();  // Scalar first, best last
// The path of a matmul of m tokens over X8 weights under matmul() / matmul_many(): where the AVX2 and
// AVX-512 X8 kernels both run (their outputs are equal bit for bit), the one measured faster for that
// batch size (m = 1, 2, 4, 8; beyond: 8's) once per process over weights streamed from DRAM
// (x8_path_choice.cpp); HETSPEC_CPU_X8_PATH=avx2|avx512 fixes it. Elsewhere best_cpu_path().
CpuPath x8_matmul_path(int64_t m);
const std::string& x8_matmul_choice();  // e.g. "by measurement over 8 MiB from DRAM, ms avx2 / avx512: m <=1 avx2 (0.41 / 0.83), ..."
// best_cpu_path()'s name, plus x8_matmul_choice() where the engine repacks and a choice differs (for reports).
std::string cpu_paths_description();

// pool == nullptr runs on the calling thread.
void matmul(const WeightView& w, const float* x, float* y, int64_t m, ThreadPool* pool = nullptr);
void matmul_path(CpuPath path, const WeightView& w, const float* x, float* y, int64_t m, ThreadPool* pool = nullptr);
// Several weights sharing one input x (same k), e.g. Q/K/V or gate/up: x is quantized once and
// all their rows go through one parallel dispatch. ys[j]: (m, ws[j].rows).
void matmul_many(const WeightView* ws, float* const* ys, int count, const float* x, int64_t m,
                 ThreadPool* pool = nullptr);
void matmul_many_path(CpuPath path, const WeightView* ws, float* const* ys, int count, const float* x, int64_t m,
                      ThreadPool* pool = nullptr);
// Scalar reference: dequantize each row, f32/double dot. The parity oracle.
void matmul_ref(const WeightView& w, const float* x, float* y, int64_t m);

}  // namespace hetspec
