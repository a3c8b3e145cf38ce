// Baseline armv8 NEON path (no dotprod; this file is deliberately not named *_neon.cpp so it gets no
// armv8.2 flags and runs on every aarch64 core): matmul_neon_impl.hpp with Dot = false, plus the
// NEON activation quantizer used by both aarch64 paths.
#include "matmul_internal.hpp"
#if defined(__aarch64__)
#include "matmul_neon_impl.hpp"
#endif

namespace hetspec::detail {
#if defined(__aarch64__)
RowsFn rows_fn_neonv8(DType t) { return neon_rows_fn<false>(t); }

void quantize_x_row_neon(const float* x, int8_t* qs, float* ds, float* ds81, int64_t k) {
  for (int64_t b = 0; b < k / QK; ++b) {
    const float* xb = x + b * QK;
    float32x4_t v[8];
    float32x4_t mx = vdupq_n_f32(0);
    for (int j = 0; j < 8; ++j) {
      v[j] = vld1q_f32(xb + 4 * j);
      mx = vmaxq_f32(mx, vabsq_f32(v[j]));
    }
    const float amax = vmaxvq_f32(mx);
    const float d = amax / 127.0f;
    const float id = d != 0 ? 127.0f / amax : 0.0f;
    int32x4_t sum = vdupq_n_s32(0);
    int16x8_t h[4];
    for (int j = 0; j < 4; ++j) {
      const int32x4_t a = vcvtnq_s32_f32(vmulq_n_f32(v[2 * j], id));
      const int32x4_t c = vcvtnq_s32_f32(vmulq_n_f32(v[2 * j + 1], id));
      sum = vaddq_s32(sum, vaddq_s32(a, c));
      h[j] = vcombine_s16(vqmovn_s32(a), vqmovn_s32(c));
    }
    vst1q_s8(qs + b * QK, vcombine_s8(vqmovn_s16(h[0]), vqmovn_s16(h[1])));
    vst1q_s8(qs + b * QK + 16, vcombine_s8(vqmovn_s16(h[2]), vqmovn_s16(h[3])));
    const int isum = vaddvq_s32(sum);
    const float dh = static_cast<float>(static_cast<__fp16>(d));
    ds[2 * b] = dh;
    ds[2 * b + 1] = dh * static_cast<float>(isum);
    ds81[2 * b] = dh;
    ds81[2 * b + 1] = static_cast<float>(static_cast<__fp16>(d * static_cast<float>(isum)));
  }
}
#else
RowsFn rows_fn_neonv8(DType) { return nullptr; }
#endif
}  // namespace hetspec::detail
