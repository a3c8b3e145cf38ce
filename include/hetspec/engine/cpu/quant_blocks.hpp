// ggml block layouts for the quantized weight types we run (bit-exact with GGUF files), plus the
// scalar reference quantize / dequantize of a row. Every vectorized kernel is tested against these.
#pragma once
#include <cstddef>
#include <cstdint>

#include "hetspec/core/dtype.hpp"

namespace hetspec {

constexpr int QK = 32;  // weights per block for Q8_0 / Q4_0 / Q4_1

#pragma pack(push, 1)
struct BlockQ8_0 {  // x = d * q
  uint16_t d;       // f16 scale
  int8_t qs[QK];
};
struct BlockQ4_0 {  // x = d * (q - 8); byte j holds weight j (low nibble) and j+16 (high nibble)
  uint16_t d;
  uint8_t qs[QK / 2];
};
struct BlockQ4_1 {  // x = d * q + m
  uint16_t d;
  uint16_t m;
  uint8_t qs[QK / 2];
};
#pragma pack(pop)
static_assert(sizeof(BlockQ8_0) == 34 && sizeof(BlockQ4_0) == 18 && sizeof(BlockQ4_1) == 20);

// Reference conversions of one row of n values (n a multiple of the block size for quantized
// types). Supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1. Quantization follows ggml's reference
// (quantize_row_*_ref) so files we write read back the same in llama.cpp.
void quantize_row_ref(DType t, const float* x, void* out, int64_t n);
void dequantize_row_ref(DType t, const void* in, float* y, int64_t n);
bool cpu_supports_dtype(DType t);

}  // namespace hetspec
