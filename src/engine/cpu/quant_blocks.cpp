#include "hetspec/engine/cpu/quant_blocks.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "hetspec/core/fp16.hpp"

namespace hetspec {

namespace {
void q8_0(const float* x, BlockQ8_0* y, int64_t n) {
  for (int64_t b = 0; b < n / QK; ++b) {
    float amax = 0;
    for (int j = 0; j < QK; ++j) amax = std::fmax(amax, std::fabs(x[b * QK + j]));
    float d = amax / 127.0f;
    float id = d ? 1.0f / d : 0.0f;
    y[b].d = fp32_to_fp16(d);
    for (int j = 0; j < QK; ++j) y[b].qs[j] = static_cast<int8_t>(std::roundf(x[b * QK + j] * id));
  }
}
void q4_0(const float* x, BlockQ4_0* y, int64_t n) {
  for (int64_t b = 0; b < n / QK; ++b) {
    const float* xb = x + b * QK;
    float amax = 0, max = 0;
    for (int j = 0; j < QK; ++j)
      if (std::fabs(xb[j]) > amax) { amax = std::fabs(xb[j]); max = xb[j]; }
    float d = max / -8.0f;
    float id = d ? 1.0f / d : 0.0f;
    y[b].d = fp32_to_fp16(d);
    for (int j = 0; j < QK / 2; ++j) {
      int lo = std::min(15, static_cast<int>(xb[j] * id + 8.5f));
      int hi = std::min(15, static_cast<int>(xb[j + QK / 2] * id + 8.5f));
      y[b].qs[j] = static_cast<uint8_t>(lo | (hi << 4));
    }
  }
}
void q4_1(const float* x, BlockQ4_1* y, int64_t n) {
  for (int64_t b = 0; b < n / QK; ++b) {
    const float* xb = x + b * QK;
    float lo = xb[0], hi = xb[0];
    for (int j = 1; j < QK; ++j) { lo = std::fmin(lo, xb[j]); hi = std::fmax(hi, xb[j]); }
    float d = (hi - lo) / 15.0f;
    float id = d ? 1.0f / d : 0.0f;
    y[b].d = fp32_to_fp16(d);
    y[b].m = fp32_to_fp16(lo);
    for (int j = 0; j < QK / 2; ++j) {
      int a = std::min(15, static_cast<int>((xb[j] - lo) * id + 0.5f));
      int c = std::min(15, static_cast<int>((xb[j + QK / 2] - lo) * id + 0.5f));
      y[b].qs[j] = static_cast<uint8_t>(a | (c << 4));
    }
  }
}
}  // namespace

bool cpu_supports_dtype(DType t) {
  switch (t) {
    case DType::F32: case DType::F16: case DType::BF16: case DType::Q8_0: case DType::Q4_0: case DType::Q4_1:
      return true;
    default:
      return false;
  }
}

void quantize_row_ref(DType t, const float* x, void* out, int64_t n) {
  switch (t) {
    case DType::F32: std::memcpy(out, x, n * 4); return;
    case DType::F16: { auto* o = static_cast<uint16_t*>(out); for (int64_t i = 0; i < n; ++i) o[i] = fp32_to_fp16(x[i]); return; }
    case DType::BF16: { auto* o = static_cast<uint16_t*>(out); for (int64_t i = 0; i < n; ++i) o[i] = fp32_to_bf16(x[i]); return; }
    case DType::Q8_0: q8_0(x, static_cast<BlockQ8_0*>(out), n); return;
    case DType::Q4_0: q4_0(x, static_cast<BlockQ4_0*>(out), n); return;
    case DType::Q4_1: q4_1(x, static_cast<BlockQ4_1*>(out), n); return;
    default: throw std::invalid_argument(std::string("quantize_row_ref: unsupported dtype ") + dtype_name(t));
  }
}

void dequantize_row_ref(DType t, const void* in, float* y, int64_t n) {
  switch (t) {
    case DType::F32: std::memcpy(y, in, n * 4); return;
    case DType::F16: { auto* p = static_cast<const uint16_t*>(in); for (int64_t i = 0; i < n; ++i) y[i] = fp16_to_fp32(p[i]); return; }
    case DType::BF16: { auto* p = static_cast<const uint16_t*>(in); for (int64_t i = 0; i < n; ++i) y[i] = bf16_to_fp32(p[i]); return; }
    case DType::Q8_0: {
      auto* b = static_cast<const BlockQ8_0*>(in);
      for (int64_t i = 0; i < n / QK; ++i) {
        float d = fp16_to_fp32(b[i].d);
        for (int j = 0; j < QK; ++j) y[i * QK + j] = d * b[i].qs[j];
      }
      return;
    }
    case DType::Q4_0: {
      auto* b = static_cast<const BlockQ4_0*>(in);
      for (int64_t i = 0; i < n / QK; ++i) {
        float d = fp16_to_fp32(b[i].d);
        for (int j = 0; j < QK / 2; ++j) {
          y[i * QK + j] = d * ((b[i].qs[j] & 0x0f) - 8);
          y[i * QK + j + QK / 2] = d * ((b[i].qs[j] >> 4) - 8);
        }
      }
      return;
    }
    case DType::Q4_1: {
      auto* b = static_cast<const BlockQ4_1*>(in);
      for (int64_t i = 0; i < n / QK; ++i) {
        float d = fp16_to_fp32(b[i].d), m = fp16_to_fp32(b[i].m);
        for (int j = 0; j < QK / 2; ++j) {
          y[i * QK + j] = d * (b[i].qs[j] & 0x0f) + m;
          y[i * QK + j + QK / 2] = d * (b[i].qs[j] >> 4) + m;
        }
      }
      return;
    }
    default: throw std::invalid_argument(std::string("dequantize_row_ref: unsupported dtype ") + dtype_name(t));
  }
}

}  // namespace hetspec
