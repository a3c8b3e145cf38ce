// A view of one weight matrix as stored in GGUF: `rows` output features, each a row of `cols`
// input weights in dtype blocks (ggml layout, row-major, rows contiguous). Non-owning: the bytes
// live in the memory-mapped file (CPU) or were uploaded once (OpenCL).
#pragma once
#include <cstddef>
#include <cstdint>

#include "hetspec/core/dtype.hpp"

namespace hetspec {

struct WeightView {
  const void* data = nullptr;  // (rows, cols) in dtype blocks
  DType dtype = DType::F32;
  int64_t rows = 0;            // n: output features
  int64_t cols = 0;            // k: input features (a multiple of the dtype's block size)
  size_t row_stride() const { return row_bytes(dtype, static_cast<size_t>(cols)); }
  const uint8_t* row(int64_t r) const { return static_cast<const uint8_t*>(data) + r * row_stride(); }
};

}  // namespace hetspec
