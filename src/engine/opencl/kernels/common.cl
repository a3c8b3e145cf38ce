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
