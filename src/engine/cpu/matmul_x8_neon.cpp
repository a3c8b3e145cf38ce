// NEON + dotprod kernels for weights in the X8 layout (cpu/repack.hpp). The layout's 4-byte units are
// what SDOT consumes: one 16-byte load holds 4 quant bytes of rows 0-3 (the next 16 of rows 4-7), and
// vdotq_laneq_s32 multiplies each row's 4 bytes with the same 4 activation bytes (lane j of a 16-byte
// activation load), so every SDOT is 4 rows x 4 weights with no broadcast or horizontal sum. Q4
// nibbles are unsigned 0..15 (valid signed bytes); products stay in i32 over a block, then one convert
// and one FMA per 4 rows with their scales, and (Q4) one FMA for the offset term c_w · s_x
// (matmul_internal.hpp). Each unpacked block serves up to 4 activation rows. Only this file's path
// (armv8.2 dotprod) has X8 kernels on aarch64; the engine repacks only there (cpu_repack_enabled).
#include "matmul_internal.hpp"

#if defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
#include <arm_neon.h>


#include "hetspec/engine/cpu/quant_blocks.hpp"
#include "hetspec/engine/cpu/repack.hpp"

namespace hetspec::detail {

namespace {

inline float32x4_t half4(const uint8_t* p) { return vcvt_f32_f16(vreinterpret_f16_u8(vld1_u8(p))); }

// acc (rows 0-3 / 4-7) += w (4 rows x 4 bytes) . x's 4-byte unit `lane`.
#define HS_SDOT_LANE(acc, w, x, lane) acc = vdotq_laneq_s32(acc, w, x, lane)

// One group of 8 rows (nb X8 blocks from grp) against R activation rows: out[i][r] for row r
// (rows_x8_driver's Dot).
template <DType T, int R>
struct GroupDot {
  static void run(const uint8_t* grp, int64_t nb, const int8_t* const* xs, const float* const* xds, float (*out)[8],
                  const uint8_t* end) {
    constexpr int64_t BB = kX8Rows * quant_block_bytes<T>();
    float32x4_t acc0[R], acc1[R];  // rows 0-3, 4-7
    for (int i = 0; i < R; ++i) acc0[i] = acc1[i] = vdupq_n_f32(0.0f);
    for (int64_t b = 0; b < nb; ++b) {
      const uint8_t* blk = grp + b * BB;
      prefetch_range(blk + kPrefetchAhead, BB, end);
      const float32x4_t d0 = half4(blk), d1 = half4(blk + 8);  // row scales
      int32x4_t s0[R], s1[R];
      for (int i = 0; i < R; ++i) s0[i] = s1[i] = vdupq_n_s32(0);
      if constexpr (T == DType::Q8_0) {
        const int8_t* q = reinterpret_cast<const int8_t*>(blk + 16);
        for (int c4 = 0; c4 < 2; ++c4) {  // 4 units of 4 bytes per activation load
          int8x16_t xv[R];
          for (int i = 0; i < R; ++i) xv[i] = vld1q_s8(xs[i] + b * QK + 16 * c4);
          for (int j = 0; j < 4; ++j) {
            const int c = 4 * c4 + j;
            const int8x16_t w0 = vld1q_s8(q + 32 * c), w1 = vld1q_s8(q + 32 * c + 16);
            for (int i = 0; i < R; ++i) {
              switch (j) {
                case 0: HS_SDOT_LANE(s0[i], w0, xv[i], 0); HS_SDOT_LANE(s1[i], w1, xv[i], 0); break;
                case 1: HS_SDOT_LANE(s0[i], w0, xv[i], 1); HS_SDOT_LANE(s1[i], w1, xv[i], 1); break;
                case 2: HS_SDOT_LANE(s0[i], w0, xv[i], 2); HS_SDOT_LANE(s1[i], w1, xv[i], 2); break;
                default: HS_SDOT_LANE(s0[i], w0, xv[i], 3); HS_SDOT_LANE(s1[i], w1, xv[i], 3); break;
              }
            }
          }
        }
      } else {
        const uint8_t* q = blk + (T == DType::Q4_1 ? 32 : 16);
        const uint8x16_t low4 = vdupq_n_u8(0x0f);
        int8x16_t xl[R], xh[R];  // activation bytes 0-15 (low nibbles' partners) and 16-31 (high)
        for (int i = 0; i < R; ++i) {
          xl[i] = vld1q_s8(xs[i] + b * QK);
          xh[i] = vld1q_s8(xs[i] + b * QK + 16);
        }
        for (int c = 0; c < 4; ++c) {
          const uint8x16_t v0 = vld1q_u8(q + 32 * c), v1 = vld1q_u8(q + 32 * c + 16);
          const int8x16_t l0 = vreinterpretq_s8_u8(vandq_u8(v0, low4)), h0 = vreinterpretq_s8_u8(vshrq_n_u8(v0, 4));
          const int8x16_t l1 = vreinterpretq_s8_u8(vandq_u8(v1, low4)), h1 = vreinterpretq_s8_u8(vshrq_n_u8(v1, 4));
          for (int i = 0; i < R; ++i) {
            switch (c) {
              case 0:
                HS_SDOT_LANE(s0[i], l0, xl[i], 0); HS_SDOT_LANE(s1[i], l1, xl[i], 0);
                HS_SDOT_LANE(s0[i], h0, xh[i], 0); HS_SDOT_LANE(s1[i], h1, xh[i], 0);
                break;
              case 1:
                HS_SDOT_LANE(s0[i], l0, xl[i], 1); HS_SDOT_LANE(s1[i], l1, xl[i], 1);
                HS_SDOT_LANE(s0[i], h0, xh[i], 1); HS_SDOT_LANE(s1[i], h1, xh[i], 1);
                break;
              case 2:
                HS_SDOT_LANE(s0[i], l0, xl[i], 2); HS_SDOT_LANE(s1[i], l1, xl[i], 2);
                HS_SDOT_LANE(s0[i], h0, xh[i], 2); HS_SDOT_LANE(s1[i], h1, xh[i], 2);
                break;
              default:
                HS_SDOT_LANE(s0[i], l0, xl[i], 3); HS_SDOT_LANE(s1[i], l1, xl[i], 3);
                HS_SDOT_LANE(s0[i], h0, xh[i], 3); HS_SDOT_LANE(s1[i], h1, xh[i], 3);
                break;
            }
          }
        }
      }
      float32x4_t c0 = vdupq_n_f32(0.0f), c1 = c0;  // offsets c_w: m (Q4_1), -8 d (Q4_0)
      if constexpr (T == DType::Q4_1) {
        c0 = half4(blk + 16);
        c1 = half4(blk + 24);
      } else if constexpr (T == DType::Q4_0) {
        c0 = vmulq_n_f32(d0, -8.0f);
        c1 = vmulq_n_f32(d1, -8.0f);
      }
      for (int i = 0; i < R; ++i) {
        const float* xd = xds[i] + 2 * b;  // (d_x, s_x)
        acc0[i] = vfmaq_f32(acc0[i], vcvtq_f32_s32(s0[i]), vmulq_n_f32(d0, xd[0]));
        acc1[i] = vfmaq_f32(acc1[i], vcvtq_f32_s32(s1[i]), vmulq_n_f32(d1, xd[0]));
        if constexpr (T != DType::Q8_0) {
          acc0[i] = vfmaq_n_f32(acc0[i], c0, xd[1]);
          acc1[i] = vfmaq_n_f32(acc1[i], c1, xd[1]);
        }
      }
    }
    for (int i = 0; i < R; ++i) {
      vst1q_f32(out[i], acc0[i]);
      vst1q_f32(out[i] + 4, acc1[i]);
    }
  }
};
#undef HS_SDOT_LANE

template <DType T>
void rows_x8(const WeightView& w, const float*, const QuantX& xq, float* y, int64_t m, int64_t r0, int64_t r1) {
  rows_x8_driver<T, GroupDot>(w, xq, y, m, r0, r1);
}

}  // namespace

RowsFn rows_fn_x8_neon(DType t) {
  switch (t) {
    case DType::Q8_0: return rows_x8<DType::Q8_0>;
    case DType::Q4_0: return rows_x8<DType::Q4_0>;
    case DType::Q4_1: return rows_x8<DType::Q4_1>;
    default: return nullptr;
  }
}

}  // namespace hetspec::detail

#else
namespace hetspec::detail {
RowsFn rows_fn_x8_neon(DType) { return nullptr; }
}  // namespace hetspec::detail
#endif
