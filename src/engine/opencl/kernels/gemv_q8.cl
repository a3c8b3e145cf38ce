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
// GEMM_Q8 1 (tuning gemm_q8): the same for a verify's m tokens, replacing matmul.cl's gemm: quantize_x
// rounds the m rows of x to int8 once into a scratch buffer, then gemm reads each weight block once and
// dots it with every token of a tile of GEMM_TM.
#if GEMV_Q8 || GEMM_Q8
#if GEMV_Q8 && EPI_GLU
#error "EPI_GLU (SwiGLU as the GEMV's epilogue) is matmul.cl's float GEMV only"
#endif

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

// The weight block at p unpacked for integer dots: its 32 weights as bytes in x's order (s0..s3:
// weights 0..15, s4..s7: 16..31; Q4 nibbles as unsigned 0..15), its scales in *dm (d, and m for Q4_1).
inline uint8 unpack_q8(global const uchar* p, float2* dm) {
#if WTYPE == T_Q4_0 || WTYPE == T_Q4_1
#if WTYPE == T_Q4_0
  *dm = (float2)(vload_half(0, (global const half*)p), 0.0f);
  const uint4 q = as_uint4(vload8(0, (global const ushort*)(p + 2)));  // 18-byte blocks: 2-aligned
#else
  *dm = vload_half2(0, (global const half*)p);
  const uint4 q = vload4(0, (global const uint*)(p + 4));
#endif
  // Byte j of the 16 holds weight j (low nibble) and j + 16 (high nibble).
  const uint4 mask = (uint4)(0x0F0F0F0Fu);
  return (uint8)(q & mask, (q >> 4) & mask);
#elif WTYPE == T_Q8_0
  *dm = (float2)(vload_half(0, (global const half*)p), 0.0f);
  return as_uint8(vload16(0, (global const ushort*)(p + 2)));  // 34-byte blocks: 2-aligned
#else
#error "GEMV_Q8 / GEMM_Q8 need a quantized WTYPE (Q4_0, Q4_1, Q8_0)"
#endif
}

// An unpacked weight block (w, dm) against x block b: xq the block's 32 int8 values as 8 ints (lo:
// values 0..15, hi: 16..31), ds = (d_x, d_x * sum q_x).
inline float dot_q8(uint8 w, float2 dm, int4 xlo, int4 xhi, float2 ds) {
#if WTYPE == T_Q8_0
  int s = dot4_ss(as_int(w.s0), xlo.x, 0);
  s = dot4_ss(as_int(w.s1), xlo.y, s);
  s = dot4_ss(as_int(w.s2), xlo.z, s);
  s = dot4_ss(as_int(w.s3), xlo.w, s);
  s = dot4_ss(as_int(w.s4), xhi.x, s);
  s = dot4_ss(as_int(w.s5), xhi.y, s);
  s = dot4_ss(as_int(w.s6), xhi.z, s);
  s = dot4_ss(as_int(w.s7), xhi.w, s);
  return dm.x * ds.x * (float)s;
#else
  int s = dot4_us(w.s0, xlo.x, 0);
  s = dot4_us(w.s1, xlo.y, s);
  s = dot4_us(w.s2, xlo.z, s);
  s = dot4_us(w.s3, xlo.w, s);
  s = dot4_us(w.s4, xhi.x, s);
  s = dot4_us(w.s5, xhi.y, s);
  s = dot4_us(w.s6, xhi.z, s);
  s = dot4_us(w.s7, xhi.w, s);
#if WTYPE == T_Q4_0
  return dm.x * (ds.x * (float)s - 8.0f * ds.y);
#else
  return dm.x * ds.x * (float)s + dm.y * ds.y;
#endif
#endif
}

// Block b of weight row p (ROW_BYTES apart) against x block b (as dot_q8).
inline float block_q8(global const uchar* p, int4 xlo, int4 xhi, float2 ds) {
  float2 dm;
  const uint8 w = unpack_q8(p, &dm);
  return dot_q8(w, dm, xlo, xhi, ds);
}

// x block b (transformed by XIN as read) rounded to int8: its 32 values into *qlo (0..15) and *qhi
// (16..31), (d_x, d_x * sum q_x) into *ds; RMSNorm's sum of squares accumulates into *ss.
inline void quantize_x_block(global const float* x, global const float* a, int b, int4* qlo, int4* qhi, float2* ds,
                             float* ss) {
  const float16 lo = load_x16(x, a, b * 32, ss), hi = load_x16(x, a, b * 32 + 16, ss);
  const float d = fmax(max_abs16(lo), max_abs16(hi)) / 127.0f;
  const float id = d > 0.0f ? 1.0f / d : 0.0f;
  const int16 ilo = convert_int16_rte(lo * id), ihi = convert_int16_rte(hi * id);
  *qlo = as_int4(convert_char16(ilo));
  *qhi = as_int4(convert_char16(ihi));
  const int16 qs = ilo + ihi;
  const int8 q8 = qs.lo + qs.hi;
  const int4 q4 = q8.lo + q8.hi;
  *ds = (float2)(d, d * (float)((q4.x + q4.y) + (q4.z + q4.w)));
}

#if GEMV_Q8
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
    int4 lo, hi;
    float2 ds;
    quantize_x_block(x, a, b, &lo, &hi, &ds, &ss);
    xq[2 * b] = lo;
    xq[2 * b + 1] = hi;
    xds[b] = ds;
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
#endif  // GEMV_Q8

#if GEMM_Q8
// QX_WG (from the host): quantize_x's work-group, a power of two.
// The integer-dot GEMM's x, rounded once per token row (not once per GEMM work-group, which made the
// GEMM 3x slower than the float one on the H200): X's m rows from x_off, transformed by XIN, in int8
// per block of 32 into the scratch buffer S: XQ (m, 2 NB) int4 (values 0..15, 16..31 of each block),
// then XDS (m, NB) (d_x, d_x * sum q_x), then XSC (m) RMSNorm's 1/rms (XIN 1) or 1. Work-group t: row t.
__kernel __attribute__((reqd_work_group_size(QX_WG, 1, 1)))
void quantize_x(global const float* X, int x_off, global const float* A, float eps, global uchar* S, int m) {
  const int li = get_local_id(0), t = get_group_id(0);
  global int4* xq = (global int4*)S + (size_t)t * 2 * NB;
  global float2* xds = (global float2*)(S + (size_t)m * NB * 32) + (size_t)t * NB;
  global float* xsc = (global float*)(S + (size_t)m * NB * 40);
  local float ssr[QX_WG];
  global const float* x = X + x_off + (size_t)t * K;
  global const float* a = aux_row(A, x_off, t);
  float ss = 0.0f;
  for (int b = li; b < NB; b += QX_WG) {
    int4 lo, hi;
    float2 ds;
    quantize_x_block(x, a, b, &lo, &hi, &ds, &ss);
    xq[2 * b] = lo;
    xq[2 * b + 1] = hi;
    xds[b] = ds;
  }
  ssr[li] = ss;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = QX_WG / 2; s > 0; s >>= 1) {
    if (li < s) ssr[li] += ssr[li + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (li == 0) xsc[t] = norm_scale(ssr[0], eps);
}

// m tokens: Y(m, N) = X(m, K) . W^T with integer dots, x as quantize_x left it in S. Work-group
// (GEMM_LX, GEMM_ROWS) and grid as matmul.cl's gemm: a row group of GEMM_LX work-items owns GEMM_RPT
// rows, grid dimension 2 runs tiles of GEMM_TM tokens. Work-item lx takes blocks lx, lx + GEMM_LX, ...
// of its rows, reads and unpacks each weight block once and dots it with every token of the tile
// (register tile GEMM_RPT x GEMM_TM); the row group then sums its work-items' dots (warp shuffles
// where GEMM_SHFL) and scales them by the token's norm.
__kernel __attribute__((reqd_work_group_size(GEMM_LX, GEMM_ROWS, 1)))
void gemm(global const uchar* W, global const uchar* S, global float* Y0, global float* Y1, global float* Y2, int n0, int n1,
          int n_rows, int m) {
  const int lx = get_local_id(0), ly = get_local_id(1);
  const int t0 = get_group_id(2) * GEMM_TM;
  const int nt = min(GEMM_TM, m - t0);
  global const int4* xq = (global const int4*)S + (size_t)t0 * 2 * NB;
  global const float2* xds = (global const float2*)(S + (size_t)m * NB * 32) + (size_t)t0 * NB;
  global const float* xsc = (global const float*)(S + (size_t)m * NB * 40) + t0;
#if GEMM_SHFL
  local float red[GEMM_ROWS][GEMM_RPT * GEMM_TM][GEMM_LX / 32];
#else
  local float red[GEMM_ROWS][GEMM_RPT * GEMM_TM][GEMM_LX];
#endif
  const int row0 = (get_group_id(1) * GEMM_ROWS + ly) * GEMM_RPT;
  const int nr = min(GEMM_RPT, n_rows - row0);
  float acc[GEMM_RPT][GEMM_TM];
  for (int r = 0; r < GEMM_RPT; ++r)
    for (int t = 0; t < GEMM_TM; ++t) acc[r][t] = 0.0f;
  global const uchar* w0 = W + (size_t)row0 * ROW_BYTES;
  for (int b = lx; b < NB; b += GEMM_LX) {
    int4 xlo[GEMM_TM], xhi[GEMM_TM];
    float2 ds[GEMM_TM];
    for (int t = 0; t < GEMM_TM; ++t) {
      if (t < nt) {
        xlo[t] = xq[(size_t)t * 2 * NB + 2 * b];
        xhi[t] = xq[(size_t)t * 2 * NB + 2 * b + 1];
        ds[t] = xds[(size_t)t * NB + b];
      } else {
        xlo[t] = xhi[t] = (int4)(0);
        ds[t] = (float2)(0.0f);
      }
    }
    for (int r = 0; r < GEMM_RPT; ++r) {
      if (r < nr) {
        float2 dm;
        const uint8 w = unpack_q8(w0 + (size_t)r * ROW_BYTES + (size_t)b * BLOCK_BYTES, &dm);
        for (int t = 0; t < GEMM_TM; ++t)
          if (t < nt) acc[r][t] += dot_q8(w, dm, xlo[t], xhi[t], ds[t]);  // a partial tile skips the rest
      }
    }
  }

  // The row group's sums, then one store per (row, token).
#if GEMM_SHFL
  for (int r = 0; r < GEMM_RPT; ++r)
    for (int t = 0; t < GEMM_TM; ++t) {
      const float v = warp_sum(acc[r][t]);
      if ((lx & 31) == 0) red[ly][r * GEMM_TM + t][lx >> 5] = v;
    }
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int j = lx; j < GEMM_RPT * GEMM_TM; j += GEMM_LX) {
    float v = 0.0f;
    for (int w = 0; w < GEMM_LX / 32; ++w) v += red[ly][j][w];
    const int r = j / GEMM_TM, t = j % GEMM_TM;
    if (r < nr && t < nt) store_y(Y0, Y1, Y2, n0, n1, n_rows, t0 + t, row0 + r, v * xsc[t]);
  }
#else
  for (int r = 0; r < GEMM_RPT; ++r)
    for (int t = 0; t < GEMM_TM; ++t) red[ly][r * GEMM_TM + t][lx] = acc[r][t];
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = GEMM_LX / 2; s > 0; s >>= 1) {
    if (lx < s)
      for (int j = 0; j < GEMM_RPT * GEMM_TM; ++j) red[ly][j][lx] += red[ly][j][lx + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  for (int j = lx; j < GEMM_RPT * GEMM_TM; j += GEMM_LX) {
    const int r = j / GEMM_TM, t = j % GEMM_TM;
    if (r < nr && t < nt) store_y(Y0, Y1, Y2, n0, n1, n_rows, t0 + t, row0 + r, red[ly][j][0] * xsc[t]);
  }
#endif
}
#endif  // GEMM_Q8

#endif
