// A view of one weight matrix as stored in GGUF: `rows` output features, each a row of `cols`
// input weights in dtype blocks (ggml layout, row-major, rows contiguous). Non-owning: the bytes
// live in the memory-mapped file (CPU) or were uploaded once (OpenCL). The CPU engine may hold a
// quantized matrix with its rows interleaved in groups of 8 (layout X8, engine/cpu/repack.hpp):
// then row() does not address a row; only the CPU matmul reads it.
#pragma once
#include <cstddef>
#include <cstdint>

#include "hetspec/core/dtype.hpp"

namespace hetspec {

// Plain: ggml's row-major layout. X8: rows interleaved per block in groups of 8 (cpu/repack.hpp).
enum class RowLayout : uint8_t { Plain, X8 };

struct WeightView {
  const void* data = nullptr;  // (rows, cols) in dtype blocks
  DType dtype = DType::F32;
  int64_t rows = 0;            // n: output features
  int64_t cols = 0;            // k: input features (a multiple of the dtype's block size)
  RowLayout layout = RowLayout::Plain;
  size_t row_stride() const { return row_bytes(dtype, static_cast<size_t>(cols)); }
  // Row r's bytes: Plain layout only.
  const uint8_t* row(int64_t r) const { return static_cast<const uint8_t*>(data) + r * row_stride(); }
};

}  // namespace hetspec
