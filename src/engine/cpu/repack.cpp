// The X8 layout's byte shuffles (include/hetspec/engine/cpu/repack.hpp) and the repack policy.
#include "hetspec/engine/cpu/repack.hpp"

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "hetspec/engine/cpu/matmul.hpp"
#include "hetspec/engine/cpu/quant_blocks.hpp"

namespace hetspec {

namespace {

// Per dtype: block bytes, the f16 fields in front of the quants (d, or d and m), the quant bytes.
struct BlockShape {
  int bytes, fields, qbytes;
};
BlockShape block_shape(DType t) {
  switch (t) {
    case DType::Q4_0: return {int(sizeof(BlockQ4_0)), 1, QK / 2};
    case DType::Q4_1: return {int(sizeof(BlockQ4_1)), 2, QK / 2};
    case DType::Q8_0: return {int(sizeof(BlockQ8_0)), 1, QK};
    default: throw std::invalid_argument(std::string("X8 layout: unsupported dtype ") + dtype_name(t));
  }
}

// One block of 8 rows: plain blocks src[r] (r < 8) <-> the interleaved block x8.
void pack_block(const BlockShape& s, const uint8_t* const* src, uint8_t* x8) {
  for (int f = 0; f < s.fields; ++f)
    for (int r = 0; r < kX8Rows; ++r) std::memcpy(x8 + 16 * f + 2 * r, src[r] + 2 * f, 2);
  uint8_t* q = x8 + 16 * s.fields;
  for (int c = 0; c < s.qbytes / 4; ++c)
    for (int r = 0; r < kX8Rows; ++r) std::memcpy(q + 32 * c + 4 * r, src[r] + 2 * s.fields + 4 * c, 4);
}

}  // namespace

bool x8_supported(DType t) { return t == DType::Q4_0 || t == DType::Q4_1 || t == DType::Q8_0; }

bool x8_eligible(const WeightView& w) {
  return w.layout == RowLayout::Plain && x8_supported(w.dtype) && w.rows > 0 && w.rows % kX8Rows == 0 &&
         w.cols > 0 && w.cols % QK == 0 && w.data;
}

WeightView repack_x8(const WeightView& w, std::vector<uint8_t>& out) {
  if (!x8_eligible(w)) return repack_x8_into(w, nullptr);  // throws
  out.resize(size_t(w.rows) * w.row_stride());
  return repack_x8_into(w, out.data());
}

WeightView repack_x8_into(const WeightView& w, uint8_t* out) {
  if (!x8_eligible(w))
    throw std::invalid_argument("repack_x8: needs a plain Q4_0/Q4_1/Q8_0 matrix with rows a multiple of 8 (" +
                                std::to_string(w.rows) + " rows of " + dtype_name(w.dtype) + ")");
  const BlockShape s = block_shape(w.dtype);
  const int64_t nb = w.cols / QK;
  for (int64_t g = 0; g < w.rows / kX8Rows; ++g) {
    for (int64_t b = 0; b < nb; ++b) {
      const uint8_t* src[kX8Rows];
      for (int r = 0; r < kX8Rows; ++r) src[r] = w.row(g * kX8Rows + r) + b * s.bytes;
      pack_block(s, src, out + (g * nb + b) * kX8Rows * s.bytes);
    }
  }
  WeightView v = w;
  v.data = out;
  v.layout = RowLayout::X8;
  return v;
}

void copy_row_plain(const WeightView& w, int64_t r, uint8_t* out) {
  if (w.layout == RowLayout::Plain) {
    std::memcpy(out, w.row(r), w.row_stride());
    return;
  }
  const BlockShape s = block_shape(w.dtype);
  const int64_t nb = w.cols / QK, g = r / kX8Rows, lane = r % kX8Rows;
  const auto* base = static_cast<const uint8_t*>(w.data);
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* x8 = base + (g * nb + b) * kX8Rows * s.bytes;
    uint8_t* dst = out + b * s.bytes;
    for (int f = 0; f < s.fields; ++f) std::memcpy(dst + 2 * f, x8 + 16 * f + 2 * lane, 2);
    const uint8_t* q = x8 + 16 * s.fields;
    for (int c = 0; c < s.qbytes / 4; ++c) std::memcpy(dst + 2 * s.fields + 4 * c, q + 32 * c + 4 * lane, 4);
  }
}

bool cpu_repack_enabled() {
  const CpuPath p = best_cpu_path();
  if (p != CpuPath::AVX2 && p != CpuPath::AVX512 && p != CpuPath::NEONDot) return false;
  const char* e = std::getenv("HETSPEC_CPU_REPACK");
  return !(e && std::string(e) == "0");
}

WeightView cpu_prepare_weight(const WeightView& w, std::vector<uint8_t>& store) {
  return cpu_repack_enabled() && x8_eligible(w) ? repack_x8(w, store) : w;
}

}  // namespace hetspec
