// Why: a quantized matmul that takes weight rows one at a time pays the block's float work (scale
// convert and multiply, accumulate, a horizontal sum per row) for every row and every activation row.
// On AVX2 that work, not the memory stream, bounds decode and the verify batch (bench_matmul on
// SmolLM2's gate: m = 8 cost 4.5x m = 1). Interleaving the rows of a matrix in groups of 8 (the idea
// of llama.cpp's CPU "repack", written anew here) puts one row per vector lane: the integer dots of 8
// rows land in one register, one convert and one FMA serve 8 rows, and no horizontal sum is left.
// The CPU engine repacks its quantized matrices once at load (CpuModel::cpu_weights()).
//
// Layout X8 of a (rows, cols) Q4_0 / Q4_1 / Q8_0 matrix, rows % 8 == 0, nb = cols / 32 blocks per row:
// group g (rows 8g .. 8g+7) holds its nb blocks contiguously, 8 x sizeof(block) bytes each:
//   the 8 rows' f16 scales d[8], then (Q4_1) their f16 minimums m[8], then their quants interleaved
//   in 4-byte units: qs8[32c + 4r + j] = row r's qs[4c + j]   (c < 4 for Q4, c < 8 for Q8_0).
// The byte size equals the plain layout's.
#pragma once
#include <cstdint>
#include <vector>

#include "hetspec/engine/weight_view.hpp"

namespace hetspec {

constexpr int kX8Rows = 8;

bool x8_supported(DType t);             // Q4_0, Q4_1, Q8_0
bool x8_eligible(const WeightView& w);  // a Plain view of a supported dtype with rows % 8 == 0

// The X8 copy of a Plain matrix into `out` (resized); the view points into `out`. Throws
// std::invalid_argument when !x8_eligible(w).
WeightView repack_x8(const WeightView& w, std::vector<uint8_t>& out);
// The same into caller-owned memory of w.rows * w.row_stride() bytes at `out`.
WeightView repack_x8_into(const WeightView& w, uint8_t* out);

// Row r of a view in either layout, as Plain bytes (w.row_stride() of them) into `out`.
void copy_row_plain(const WeightView& w, int64_t r, uint8_t* out);

// Whether the CPU engine repacks: the best CPU path has X8 kernels (AVX2, AVX-512, NEON dotprod) and the
// environment does not say HETSPEC_CPU_REPACK=0 (which keeps llama.cpp's row-at-a-time summation
// order: on AVX-512 the forward is then bit-exact with llama.cpp's, docs/forward.md).
bool cpu_repack_enabled();

// w repacked into `store` when cpu_repack_enabled() and x8_eligible(w); otherwise w itself.
WeightView cpu_prepare_weight(const WeightView& w, std::vector<uint8_t>& store);

}  // namespace hetspec
