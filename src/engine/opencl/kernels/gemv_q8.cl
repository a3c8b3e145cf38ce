// GEMV for quantized weights (Q4_0, Q4_1, Q8_0) with integer dot products, for GPUs. The float GEMV
// of matmul.cl converts every 4-bit weight to float and multiplies it in float: about five
// instructions per weight, which caps a GPU at ~2.1 T weights/s (0.37 of the H200's copy bandwidth on
// Q4_1) however the loads are arranged. Here, as llama.cpp's mmvq does, the work-group first
// quantizes x to int8 in blocks of 32 (x ~ d_x * q_x, kept in local memory), then each block of a
// weight row is one integer dot of 32 products (eight 4-way byte dots: dp4a on NVIDIA, inline PTX
// where HS_PTX is set) and a few float operations for the scales:
//   Q4_0: d_w d_x sum((q_w - 8) q_x) = d_w (d_x sum(q_w q_x) - 8 d_x sum(q_x))
//   Q4_1: sum((d_w q_w + m_w) d_x q_x) = d_w d_x sum(q_w q_x) + m_w d_x sum(q_x)
//   Q8_0: d_w d_x sum(q_w q_x)
// Included after matmul.cl when GEMV_Q8 is 1 (that file then leaves out its own gemv), so the same
// defines hold: K, WTYPE, XIN, EPI_ADD, GEMV_LX / GEMV_ROWS / GEMV_GROUPS. Work-group (GEMV_LX,
// GEMV_GROUPS): a group of GEMV_LX work-items owns GEMV_ROWS rows, work-item lx takes blocks lx,
// lx + GEMV_LX, ... of each (a warp reads one row's consecutive blocks). Grid dimension 2: tokens.
// Numerics: x's rounding to int8 (half-even, d_x = max|x| / 127 in float) is the only change from the
// float GEMV; the parity test's oracle rounds x the same way.
#if GEMV_Q8

// c + the dot of four unsigned bytes of a with four signed bytes of b.
inline int dot4_us(uint a, int b, int c) {
#if HS_PTX
  int r;
  asm("dp4a.u32.s32 %0, %1, %2, %3;" : "=r"(r) : "r"(a), "r"(b), "r"(c));
  return r;
#else
  const uchar4 u = as_uchar4(a);
  const char4 s = as_char4(b);
  return c + (int)u.x * s.x + (int)u.y * s.y + (int)u.z * s.z + (int)u.w * s.w;
#endif
}
// c + the dot of four signed bytes of a with four signed bytes of b.
inline int dot4_ss(int a, int b, int c) {
#if HS_PTX
  int r;
  asm("dp4a.s32.s32 %0, %1, %2, %3;" : "=r"(r) : "r"(a), "r"(b), "r"(c));
  return r;
#else
  const char4 u = as_char4(a);
  const char4 s = as_char4(b);
  return c + (int)u.x * s.x + (int)u.y * s.y + (int)u.z * s.z + (int)u.w * s.w;
#endif
}

inline float max_abs16(float16 v) {
  const float16 a = fabs(v);
  const float8 h = fmax(a.lo, a.hi);
  const float4 q = fmax(h.lo, h.hi);
  return fmax(fmax(q.x, q.y), fmax(q.z, q.w));
}

// Block b of weight row p (ROW_BYTES apart) against x block b: xq the block's 32 int8 values as
// 8 ints (lo: values 0..15, hi: 16..31), ds = (d_x, d_x * sum q_x).
inline float block_q8(global const uchar* p, int4 xlo, int4 xhi, float2 ds) {
#if WTYPE == T_Q4_0 || WTYPE == T_Q4_1
#if WTYPE == T_Q4_0
  const float d = vload_half(0, (global const half*)p);
  const uint4 q = as_uint4(vload8(0, (global const ushort*)(p + 2)));  // 18-byte blocks: 2-aligned
#else
  const float2 dm = vload_half2(0, (global const half*)p);
  const uint4 q = vload4(0, (global const uint*)(p + 4));
#endif
  // Byte j of the 16 holds weight j (low nibble) and j + 16 (high nibble).
  const uint mask = 0x0F0F0F0Fu;
  int s = dot4_us(q.x & mask, xlo.x, 0);
  s = dot4_us(q.y & mask, xlo.y, s);
  s = dot4_us(q.z & mask, xlo.z, s);
  s = dot4_us(q.w & mask, xlo.w, s);
  s = dot4_us((q.x >> 4) & mask, xhi.x, s);
  s = dot4_us((q.y >> 4) & mask, xhi.y, s);
  s = dot4_us((q.z >> 4) & mask, xhi.z, s);
  s = dot4_us((q.w >> 4) & mask, xhi.w, s);
#if WTYPE == T_Q4_0
  return d * (ds.x * (float)s - 8.0f * ds.y);
#else
  return dm.x * ds.x * (float)s + dm.y * ds.y;
#endif
#elif WTYPE == T_Q8_0
  const float d = vload_half(0, (global const half*)p);
  const int8 q = as_int8(vload16(0, (global const ushort*)(p + 2)));  // 34-byte blocks: 2-aligned
  int s = dot4_ss(q.s0, xlo.x, 0);
  s = dot4_ss(q.s1, xlo.y, s);
  s = dot4_ss(q.s2, xlo.z, s);
  s = dot4_ss(q.s3, xlo.w, s);
  s = dot4_ss(q.s4, xhi.x, s);
  s = dot4_ss(q.s5, xhi.y, s);
  s = dot4_ss(q.s6, xhi.z, s);
  s = dot4_ss(q.s7, xhi.w, s);
  return d * ds.x * (float)s;
#else
#error "GEMV_Q8 needs a quantized WTYPE (Q4_0, Q4_1, Q8_0)"
#endif
}

__kernel __attribute__((reqd_work_group_size(GEMV_LX, GEMV_GROUPS, 1)))
void gemv(global const uchar* W, global const float* X, int x_off, global const float* A, float eps,
          global float* Y0, global float* Y1, global float* Y2, int n0, int n1, int n_rows) {
  const int lx = get_local_id(0), ly = get_local_id(1);
  const int li = ly * GEMV_LX + lx;
  const int t = get_group_id(2);
  local int4 xq[NB * 2];   // x (m, K) row t as int8, 32 per block: [2b] values 0..15, [2b + 1] 16..31
  local float2 xds[NB];    // per block: (d_x, d_x * sum q_x)
  local float red[GEMV_GROUPS][GEMV_ROWS + 1][GEMV_LX];  // [GEMV_ROWS]: group_rows_sum's norm row
#if XIN == 1
  local float ssr[GEMV_LX * GEMV_GROUPS];
#endif

  // 1. Quantize x (transformed by XIN) into local memory, one block of 32 per work-item at a time.
  global const float* x = X + x_off + (size_t)t * K;
  global const float* a = aux_row(A, x_off, t);
  float ss = 0.0f;
  for (int b = li; b < NB; b += GEMV_LX * GEMV_GROUPS) {
    const float16 lo = load_x16(x, a, b * 32, &ss), hi = load_x16(x, a, b * 32 + 16, &ss);
    const float d = fmax(max_abs16(lo), max_abs16(hi)) / 127.0f;
    const float id = d > 0.0f ? 1.0f / d : 0.0f;
    const int16 qlo = convert_int16_rte(lo * id), qhi = convert_int16_rte(hi * id);
    xq[2 * b] = as_int4(convert_char16(qlo));
    xq[2 * b + 1] = as_int4(convert_char16(qhi));
    const int16 qs = qlo + qhi;
    const int8 q8 = qs.lo + qs.hi;
    const int4 q4 = q8.lo + q8.hi;
    xds[b] = (float2)(d, d * (float)((q4.x + q4.y) + (q4.z + q4.w)));
  }
#if XIN == 1
  ssr[li] = ss;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = GEMV_LX * GEMV_GROUPS / 2; s > 0; s >>= 1) {
    if (li < s) ssr[li] += ssr[li + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  const float sc = norm_scale(ssr[0], eps);
#else
  barrier(CLK_LOCAL_MEM_FENCE);
  const float sc = 1.0f;
#endif

  // 2. Each row group: its GEMV_ROWS rows against the quantized x, block by block.
  const int row0 = (get_group_id(1) * GEMV_GROUPS + ly) * GEMV_ROWS;
  const int nr = min(GEMV_ROWS, n_rows - row0);
  float acc[GEMV_ROWS];
  for (int r = 0; r < GEMV_ROWS; ++r) acc[r] = 0.0f;
  global const uchar* w0 = W + (size_t)row0 * ROW_BYTES;
  // A constant trip count lets the compiler unroll and issue every load of the row up front.
#pragma unroll
  for (int i = 0; i < NB / GEMV_LX; ++i) {
    const int b = lx + i * GEMV_LX;
    const int4 xlo = xq[2 * b], xhi = xq[2 * b + 1];
    const float2 ds = xds[b];
    for (int r = 0; r < GEMV_ROWS; ++r)
      if (r < nr) acc[r] += block_q8(w0 + (size_t)r * ROW_BYTES + (size_t)b * BLOCK_BYTES, xlo, xhi, ds);
  }
#if NB % GEMV_LX
  if (lx < NB % GEMV_LX) {
    const int b = lx + (NB / GEMV_LX) * GEMV_LX;
    const int4 xlo = xq[2 * b], xhi = xq[2 * b + 1];
    const float2 ds = xds[b];
    for (int r = 0; r < GEMV_ROWS; ++r)
      if (r < nr) acc[r] += block_q8(w0 + (size_t)r * ROW_BYTES + (size_t)b * BLOCK_BYTES, xlo, xhi, ds);
  }
#endif
#if GEMV_SHFL
  // Warp shuffles, then the warps of a row group through red (matmul.cl's group_rows_sum; the norm's
  // sum of squares was reduced above, so its share is 0 and its scale unused).
  float unused;
  group_rows_sum(acc, 0.0f, red[ly], lx, eps, &unused);
  for (int r = 0; r < GEMV_ROWS; ++r)
    if (r < nr && r % GEMV_LX == lx) store_y(Y0, Y1, Y2, n0, n1, n_rows, t, row0 + r, acc[r] * sc);
#else
  for (int r = 0; r < GEMV_ROWS; ++r) red[ly][r][lx] = acc[r];
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = GEMV_LX / 2; s > 0; s >>= 1) {
    if (lx < s)
      for (int r = 0; r < GEMV_ROWS; ++r) red[ly][r][lx] += red[ly][r][lx + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  for (int r = lx; r < nr; r += GEMV_LX) store_y(Y0, Y1, Y2, n0, n1, n_rows, t, row0 + r, red[ly][r][0] * sc);
#endif
}

#endif
