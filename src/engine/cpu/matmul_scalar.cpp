// The portable path: plain C++ (the compiler may auto-vectorize it), integer block dots for the
// quantized types with the same activation quantization as the SIMD paths. Also the fallback for
// any dtype a SIMD path does not implement.
#include <cmath>
#include <vector>

#include "hetspec/core/fp16.hpp"
#include "hetspec/engine/cpu/quant_blocks.hpp"
#include "matmul_internal.hpp"

namespace hetspec::detail {

void quantize_x_row_scalar(const float* x, int8_t* qs, float* ds, float* ds81, int64_t k) {
  for (int64_t b = 0; b < k / QK; ++b) {
    const float* xb = x + b * QK;
    float amax = 0;
    for (int j = 0; j < QK; ++j) amax = std::fmax(amax, std::fabs(xb[j]));
    const float d = amax / 127.0f;
    const float id = amax != 0 ? 127.0f / amax : 0.0f;
    int sum = 0;
    for (int j = 0; j < QK; ++j) {
      int q = static_cast<int>(std::nearbyint(xb[j] * id));  // nearest even, as llama.cpp's SIMD
      q = q > 127 ? 127 : (q < -127 ? -127 : q);
      qs[b * QK + j] = static_cast<int8_t>(q);
      sum += q;
    }
    const float dh = fp16_to_fp32(fp32_to_fp16(d));
    ds[2 * b] = dh;
    ds[2 * b + 1] = dh * static_cast<float>(sum);
    ds81[2 * b] = dh;
    ds81[2 * b + 1] = fp16_to_fp32(fp32_to_fp16(d * static_cast<float>(sum)));
  }
}

namespace {

// Decodes block b of a quantized row into signed weights q (32) with scale d and offset c such that
// w_j = d * q_j + c   (c != 0 only for Q4_1).
template <DType T>
inline void decode_block(const uint8_t* row, int64_t b, int8_t* q, float& d, float& c) {
  if constexpr (T == DType::Q8_0) {
    const auto* blk = reinterpret_cast<const BlockQ8_0*>(row) + b;
    d = fp16_to_fp32(blk->d);
    c = 0;
    for (int j = 0; j < QK; ++j) q[j] = blk->qs[j];
  } else if constexpr (T == DType::Q4_0) {
    const auto* blk = reinterpret_cast<const BlockQ4_0*>(row) + b;
    d = fp16_to_fp32(blk->d);
    c = 0;
    for (int j = 0; j < QK / 2; ++j) {
      q[j] = static_cast<int8_t>((blk->qs[j] & 0x0f) - 8);
      q[j + QK / 2] = static_cast<int8_t>((blk->qs[j] >> 4) - 8);
    }
  } else {
    const auto* blk = reinterpret_cast<const BlockQ4_1*>(row) + b;
    d = fp16_to_fp32(blk->d);
    c = fp16_to_fp32(blk->m);
    for (int j = 0; j < QK / 2; ++j) {
      q[j] = static_cast<int8_t>(blk->qs[j] & 0x0f);
      q[j + QK / 2] = static_cast<int8_t>(blk->qs[j] >> 4);
    }
  }
}

template <DType T>
void rows_quant(const WeightView& w, const float*, const QuantX& xq, float* y, int64_t m, int64_t r0, int64_t r1) {
  const int64_t n = w.rows, nb = xq.nb, k = xq.k;
  std::vector<float> acc(m);
  int8_t q[QK];
  const RowPtrs wr_ = row_ptrs(w);
  for (int64_t r = r0; r < r1; ++r) {
    const uint8_t* row = wr_.row(r);
    for (int64_t i = 0; i < m; ++i) acc[i] = 0;
    for (int64_t b = 0; b < nb; ++b) {
      float d, c;
      decode_block<T>(row, b, q, d, c);
      for (int64_t i = 0; i < m; ++i) {
        const int8_t* xs = xq.qs + i * k + b * QK;
        int32_t isum = 0;
        for (int j = 0; j < QK; ++j) isum += static_cast<int32_t>(q[j]) * xs[j];
        const float* ds = (T == DType::Q4_1 ? xq.ds81 : xq.ds) + (i * nb + b) * 2;
        acc[i] += d * ds[0] * static_cast<float>(isum) + c * ds[1];
      }
    }
    for (int64_t i = 0; i < m; ++i) y[i * n + r] = acc[i];
  }
}

template <DType T>
void rows_float(const WeightView& w, const float* x, const QuantX&, float* y, int64_t m, int64_t r0, int64_t r1) {
  const int64_t n = w.rows, k = w.cols;
  std::vector<float> row(k);
  const RowPtrs wr_ = row_ptrs(w);
  for (int64_t r = r0; r < r1; ++r) {
    const float* wr;
    if constexpr (T == DType::F32) {
      wr = reinterpret_cast<const float*>(wr_.row(r));
    } else {
      const auto* h = reinterpret_cast<const uint16_t*>(wr_.row(r));
      for (int64_t j = 0; j < k; ++j) row[j] = T == DType::F16 ? fp16_to_fp32(h[j]) : bf16_to_fp32(h[j]);
      wr = row.data();
    }
    for (int64_t i = 0; i < m; ++i) {
      const float* xi = x + i * k;
      float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      int64_t j = 0;
      for (; j + 8 <= k; j += 8)
        for (int u = 0; u < 8; ++u) s[u] += wr[j + u] * xi[j + u];
      for (; j < k; ++j) s[0] += wr[j] * xi[j];
      y[i * n + r] = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    }
  }
}

}  // namespace

RowsFn rows_fn_scalar(DType t) {
  switch (t) {
    case DType::F32: return rows_float<DType::F32>;
    case DType::F16: return rows_float<DType::F16>;
    case DType::BF16: return rows_float<DType::BF16>;
    case DType::Q8_0: return rows_quant<DType::Q8_0>;
    case DType::Q4_0: return rows_quant<DType::Q4_0>;
    case DType::Q4_1: return rows_quant<DType::Q4_1>;
    default: return nullptr;
  }
}

}  // namespace hetspec::detail
