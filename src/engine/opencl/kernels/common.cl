// Shared by every hetspec program: weight-type ids (match hetspec::ocl::wtype_id) and small vector
// helpers. Prepended to each program's source by the host.
#define T_F32 0
#define T_F16 1
#define T_Q8_0 2
#define T_Q4_0 3
#define T_Q4_1 4

inline float dot16(float16 a, float16 b) {
  return dot(a.lo.lo, b.lo.lo) + dot(a.lo.hi, b.lo.hi) + dot(a.hi.lo, b.hi.lo) + dot(a.hi.hi, b.hi.hi);
}

inline float sum16(float16 a) {
  float4 s = a.lo.lo + a.lo.hi + a.hi.lo + a.hi.hi;
  return s.x + s.y + s.z + s.w;
}

#if HS_SHFL_GEMV || HS_SHFL_GEMM || HS_SHFL_ATTN
// The sum of v over the 32 work-items of a warp, returned to all of them: a butterfly of register
// shuffles (inline PTX shfl.sync; NVIDIA's OpenCL offers no sub-group functions), no local memory and
// no barrier. NVIDIA warps are 32 consecutive linear work-item ids, so a work-group dimension 0 that
// is a multiple of 32 keeps a row group's work-items in whole warps. Every lane must reach the call.
inline float warp_sum(float v) {
  uint t;
  asm volatile("shfl.sync.bfly.b32 %0, %1, 16, 0x1f, 0xffffffff;" : "=r"(t) : "r"(as_uint(v)));
  v += as_float(t);
  asm volatile("shfl.sync.bfly.b32 %0, %1, 8, 0x1f, 0xffffffff;" : "=r"(t) : "r"(as_uint(v)));
  v += as_float(t);
  asm volatile("shfl.sync.bfly.b32 %0, %1, 4, 0x1f, 0xffffffff;" : "=r"(t) : "r"(as_uint(v)));
  v += as_float(t);
  asm volatile("shfl.sync.bfly.b32 %0, %1, 2, 0x1f, 0xffffffff;" : "=r"(t) : "r"(as_uint(v)));
  v += as_float(t);
  asm volatile("shfl.sync.bfly.b32 %0, %1, 1, 0x1f, 0xffffffff;" : "=r"(t) : "r"(as_uint(v)));
  return v + as_float(t);
}
// The maximum of v over the 32 work-items of a warp, returned to all of them (as warp_sum).
inline float warp_max(float v) {
  uint t;
  asm volatile("shfl.sync.bfly.b32 %0, %1, 16, 0x1f, 0xffffffff;" : "=r"(t) : "r"(as_uint(v)));
  v = fmax(v, as_float(t));
  asm volatile("shfl.sync.bfly.b32 %0, %1, 8, 0x1f, 0xffffffff;" : "=r"(t) : "r"(as_uint(v)));
  v = fmax(v, as_float(t));
  asm volatile("shfl.sync.bfly.b32 %0, %1, 4, 0x1f, 0xffffffff;" : "=r"(t) : "r"(as_uint(v)));
  v = fmax(v, as_float(t));
  asm volatile("shfl.sync.bfly.b32 %0, %1, 2, 0x1f, 0xffffffff;" : "=r"(t) : "r"(as_uint(v)));
  v = fmax(v, as_float(t));
  asm volatile("shfl.sync.bfly.b32 %0, %1, 1, 0x1f, 0xffffffff;" : "=r"(t) : "r"(as_uint(v)));
  return fmax(v, as_float(t));
}
#endif
