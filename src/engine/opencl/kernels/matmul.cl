// Y(m, N) = X(m, K) . W(N, K)^T with W in its ggml block layout (rows contiguous, 32 weights per
// block), plus the embedding lookup (row dequantisation) over the same layouts.
// Defines: WTYPE (T_*), K (columns, a multiple of 32), MM_SPLIT (1: a work-item reads whole blocks,
// for CPU devices; 4: four work-items share a block so a warp's loads are coalesced, for GPUs),
// GEMV_LX / GEMV_ROWS / GEMV_GROUPS (work-items per row group, rows per group (x reuse), groups per
// work-group), GEMM_LX / GEMM_ROWS / GEMM_TM / GEMM_RPT (work-items per row group, groups per
// work-group, tokens per work-group, rows per group in the unit path).
// GEMV_Q8 / GEMM_Q8: gemv_q8.cl's integer-dot kernels replace this file's gemv / gemm.
// HS_SHFL_GEMV / HS_SHFL_GEMM (NVIDIA, tunings warp_shuffle / gemm_warp_shuffle): row sums by warp
// shuffles rather than a local-memory tree, where a row group is whole warps (GPU path only).
// Fusion (so a layer needs few launches): XIN transforms X as it is read (0: as is; 1: RMSNorm, A
// the norm weight (K), the row's 1/rms applied to the dot product; 2: SwiGLU, X the gate and A the
// up projection (m, K), x = silu(gate) * up); EPI_ADD 1 adds the result into Y (residual add). The
// output rows may be split over up to three buffers (Q/K/V or gate/up from one weight): rows
// [0, n0) go to Y0 (m, n0), [n0, n0 + n1) to Y1 (m, n1), the rest to Y2.
// EPI_GLU 1 (GEMVs only): W is [gate; up] (2 n0 rows) and Y0 (m, n0) = silu(gate . x) * (up . x):
// SwiGLU computed once per output as the epilogue, where a SwiGLU folded into the next matmul's input
// (XIN 2) is recomputed by every row group of it. A row group takes GEMV_ROWS / 2 outputs, i.e. its
// gate rows and the same up rows, so both dots of an output meet in one group.
#ifndef EPI_GLU
#define EPI_GLU 0
#endif
#if EPI_GLU
#if GEMV_ROWS % 2
#error "EPI_GLU needs an even GEMV_ROWS"
#endif
#define GEMV_OUT (GEMV_ROWS / 2)
#else
#define GEMV_OUT GEMV_ROWS
#endif
#ifndef XIN
#define XIN 0
#endif
#ifndef EPI_ADD
#define EPI_ADD 0
#endif
#ifndef HS_SHFL_GEMV
#define HS_SHFL_GEMV 0
#endif
#ifndef HS_SHFL_GEMM
#define HS_SHFL_GEMM 0
#endif
// Warp-shuffle row sums (common.cl's warp_sum) where a row group is whole warps of 32.
#define GEMV_SHFL (HS_SHFL_GEMV && GEMV_LX % 32 == 0)
#define GEMM_SHFL (HS_SHFL_GEMM && GEMM_LX % 32 == 0)
#ifndef GEMV_Q8
#define GEMV_Q8 0  // 1: gemv_q8.cl's integer-dot GEMV replaces this file's gemv (quantized weights)
#endif
#ifndef GEMM_Q8
#define GEMM_Q8 0  // 1: gemv_q8.cl's integer-dot GEMM replaces this file's gemm (quantized weights)
#endif
#define NB (K / 32)
#if WTYPE == T_F32
#define BLOCK_BYTES 128
#elif WTYPE == T_F16
#define BLOCK_BYTES 64
#elif WTYPE == T_Q8_0
#define BLOCK_BYTES 34
#elif WTYPE == T_Q4_0
#define BLOCK_BYTES 18
#elif WTYPE == T_Q4_1
#define BLOCK_BYTES 20
#else
#error "unknown WTYPE"
#endif
#define ROW_BYTES ((size_t)NB * BLOCK_BYTES)

// Row r of token t's output, in its segment's buffer.
inline void store_y(global float* Y0, global float* Y1, global float* Y2, int n0, int n1, int n_rows, int t, int r,
                    float v) {
  global float* Y = Y0;
  int n = n0, c = r;
  if (r >= n0 + n1) {
    Y = Y2;
    n = n_rows - n0 - n1;
    c = r - n0 - n1;
  } else if (r >= n0) {
    Y = Y1;
    n = n1;
    c = r - n0;
  }
  global float* p = Y + (size_t)t * n + c;
#if EPI_ADD
  *p += v;
#else
  *p = v;
#endif
}

// A GEMV row group's outputs start at row0 (GEMV_OUT of them, nr valid); the byte offset in W of its
// row r (r < GEMV_ROWS), and whether that row is valid.
inline size_t gemv_row_off(int row0, int r, int n0) {
#if EPI_GLU
  return (size_t)(r < GEMV_OUT ? row0 + r : n0 + row0 + r - GEMV_OUT) * ROW_BYTES;
#else
  return (size_t)(row0 + r) * ROW_BYTES;
#endif
}
inline bool gemv_row_ok(int r, int nr) { return (r < GEMV_OUT ? r : r - GEMV_OUT) < nr; }

// Output r of a GEMV row group from its rows' dots (dot(r) the sum of row r) and the norm scale sc.
#if EPI_GLU
#define GEMV_RESULT(dot, r, sc) glu_out((dot(r)) * (sc), (dot((r) + GEMV_OUT)) * (sc))
inline float glu_out(float g, float u) { return g / (1.0f + exp(-g)) * u; }  // as elementwise.cl's swiglu
#else
#define GEMV_RESULT(dot, r, sc) ((dot(r)) * (sc))
#endif

// The auxiliary input of token row t (x_off: X's first row, in floats): the norm weight is one
// row for every token; SwiGLU's up projection is laid out as X.
inline global const float* aux_row(global const float* A, int x_off, int t) {
#if XIN == 2
  return A + x_off + (size_t)t * K;
#else
  return A;
#endif
}

// 1/rms of a row from its sum of squares (XIN 1), else 1.
inline float norm_scale(float ss, float eps) {
#if XIN == 1
  return 1.0f / sqrt(ss / (float)K + eps);
#else
  return 1.0f;
#endif
}

// X's values at float index i of a row (x and a point at the row), transformed by XIN; RMSNorm
// also accumulates the raw values' squares into *ss.
inline float16 load_x16(global const float* x, global const float* a, int i, float* ss) {
  const float16 v = vload16(0, x + i);
#if XIN == 1
  *ss += dot16(v, v);
  return v * vload16(0, a + i);
#elif XIN == 2
  return v / (1.0f + exp(-v)) * vload16(0, a + i);
#else
  return v;
#endif
}
inline float4 load_x4(global const float4* x, global const float4* a, int i, float* ss) {
  const float4 v = x[i];
#if XIN == 1
  *ss += dot(v, v);
  return v * a[i];
#elif XIN == 2
  return v / (1.0f + exp(-v)) * a[i];
#else
  return v;
#endif
}

// Weights 0..15 of the block at p into *lo, 16..31 into *hi (dequantised).
inline void decode_block(global const uchar* p, float16* lo, float16* hi) {
#if WTYPE == T_F32
  *lo = vload16(0, (global const float*)p);
  *hi = vload16(1, (global const float*)p);
#elif WTYPE == T_F16
  *lo = vload_half16(0, (global const half*)p);
  *hi = vload_half16(1, (global const half*)p);
#elif WTYPE == T_Q8_0
  const float d = vload_half(0, (global const half*)p);
  *lo = convert_float16(as_char16(vload8(0, (global const short*)(p + 2)))) * d;
  *hi = convert_float16(as_char16(vload8(1, (global const short*)(p + 2)))) * d;
#elif WTYPE == T_Q4_0
  const float d = vload_half(0, (global const half*)p);
  const uchar16 b = as_uchar16(vload8(0, (global const ushort*)(p + 2)));
  *lo = (convert_float16(b & (uchar16)(15)) - 8.0f) * d;
  *hi = (convert_float16(b >> (uchar16)(4)) - 8.0f) * d;
#elif WTYPE == T_Q4_1
  const float d = vload_half(0, (global const half*)p);
  const float m = vload_half(1, (global const half*)p);
  const uchar16 b = as_uchar16(vload4(0, (global const uint*)(p + 4)));
  *lo = convert_float16(b & (uchar16)(15)) * d + m;
  *hi = convert_float16(b >> (uchar16)(4)) * d + m;
#endif
}

inline float sum4(float4 v) { return (v.x + v.y) + (v.z + v.w); }

#if MM_SPLIT == 1
// ---- Block path (CPU devices): a work-item reads whole blocks with 16-wide vector ops.

// Partial dot of the block at p with x's 32 values (xlo, xhi), folded to 4 lanes without a
// horizontal reduction (the caller sums the lanes once per row). Scales are factored out.
inline float4 fold16(float16 v) {
  const float8 h = v.lo + v.hi;
  return h.lo + h.hi;
}

inline float4 block_dot4(global const uchar* p, float16 xlo, float16 xhi) {
#if WTYPE == T_F32 || WTYPE == T_F16
  float16 lo, hi;
  decode_block(p, &lo, &hi);
  return fold16(lo * xlo + hi * xhi);
#elif WTYPE == T_Q8_0
  const float d = vload_half(0, (global const half*)p);
  const float16 qlo = convert_float16(as_char16(vload8(0, (global const short*)(p + 2))));
  const float16 qhi = convert_float16(as_char16(vload8(1, (global const short*)(p + 2))));
  return d * fold16(qlo * xlo + qhi * xhi);
#elif WTYPE == T_Q4_0
  const float d = vload_half(0, (global const half*)p);
  const uchar16 b = as_uchar16(vload8(0, (global const ushort*)(p + 2)));
  const float16 qlo = convert_float16(b & (uchar16)(15)) - 8.0f;
  const float16 qhi = convert_float16(b >> (uchar16)(4)) - 8.0f;
  return d * fold16(qlo * xlo + qhi * xhi);
#elif WTYPE == T_Q4_1
  const float d = vload_half(0, (global const half*)p);
  const float m = vload_half(1, (global const half*)p);
  const uchar16 b = as_uchar16(vload4(0, (global const uint*)(p + 4)));
  const float16 qlo = convert_float16(b & (uchar16)(15));
  const float16 qhi = convert_float16(b >> (uchar16)(4));
  return d * fold16(qlo * xlo + qhi * xhi) + m * fold16(xlo + xhi);
#endif
}


#if !GEMV_Q8
// One token: y(N) = W(N, K) . x(K), x = X + x_off. A work-group is (GEMV_LX, GEMV_GROUPS): each
// group of GEMV_LX work-items owns GEMV_ROWS consecutive rows; its work-items stride over the
// blocks, load x's 32 values once and apply them to all GEMV_ROWS rows (x reuse), then reduce
// across the group in local memory. A third grid dimension of m runs m tokens as m GEMVs in one
// launch (token t = group id 2; weights re-read per token, from cache on a small matrix).
__kernel __attribute__((reqd_work_group_size(GEMV_LX, GEMV_GROUPS, 1)))
void gemv(global const uchar* W, global const float* X, int x_off, global const float* A, float eps,
          global float* Y0, global float* Y1, global float* Y2, int n0, int n1, int n_rows) {
  const int lx = get_local_id(0), ly = get_local_id(1);
  const int row0 = (get_group_id(1) * GEMV_GROUPS + ly) * GEMV_OUT;
  const int nr = min(GEMV_OUT, (EPI_GLU ? n0 : n_rows) - row0);
  local float red[GEMV_GROUPS][GEMV_ROWS + 1][GEMV_LX];  // [GEMV_ROWS]: the sum of squares (XIN 1)
  float4 acc[GEMV_ROWS];
  for (int r = 0; r < GEMV_ROWS; ++r) acc[r] = (float4)(0.0f);
  float ss = 0.0f;
  const int t = get_group_id(2);
  global const float* x = X + x_off + (size_t)t * K;
  global const float* a = aux_row(A, x_off, t);
  for (int b = lx; b < NB; b += GEMV_LX) {
    const float16 xlo = load_x16(x, a, b * 32, &ss), xhi = load_x16(x, a, b * 32 + 16, &ss);
    for (int r = 0; r < GEMV_ROWS; ++r)
      if (gemv_row_ok(r, nr)) acc[r] += block_dot4(W + gemv_row_off(row0, r, n0) + (size_t)b * BLOCK_BYTES, xlo, xhi);
  }
  for (int r = 0; r < GEMV_ROWS; ++r) red[ly][r][lx] = sum4(acc[r]);
  red[ly][GEMV_ROWS][lx] = ss;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = GEMV_LX / 2; s > 0; s >>= 1) {
    if (lx < s)
      for (int r = 0; r <= GEMV_ROWS; ++r) red[ly][r][lx] += red[ly][r][lx + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  const float sc = norm_scale(red[ly][GEMV_ROWS][0], eps);
#define RED_DOT(r) red[ly][r][0]
  for (int r = lx; r < nr; r += GEMV_LX) store_y(Y0, Y1, Y2, n0, n1, n_rows, t, row0 + r, GEMV_RESULT(RED_DOT, r, sc));
#undef RED_DOT
}
#endif

#if !GEMM_Q8
// m tokens: Y(m, N) = X(m, K) . W^T. Each work-group decodes a weight block once and applies it
// to GEMM_TM tokens (weight reuse), work-group (GEMM_LX, GEMM_ROWS), grid dim 2 over token tiles.
__kernel __attribute__((reqd_work_group_size(GEMM_LX, GEMM_ROWS, 1)))
void gemm(global const uchar* W, global const float* X, int x_off, global const float* A, float eps,
          global float* Y0, global float* Y1, global float* Y2, int n0, int n1, int n_rows, int m) {
  const int lx = get_local_id(0), ly = get_local_id(1);
  const int row = get_group_id(1) * GEMM_ROWS + ly;
  const int t0 = get_group_id(2) * GEMM_TM;
  const int nt = min(GEMM_TM, m - t0);
  local float red[GEMM_ROWS][2][GEMM_LX];  // [0]: the dot, [1]: the sum of squares (XIN 1)
  float4 acc[GEMM_TM];
  float ss[GEMM_TM];
  for (int t = 0; t < GEMM_TM; ++t) {
    acc[t] = (float4)(0.0f);
    ss[t] = 0.0f;
  }
  global const uchar* wrow = W + (size_t)row * ROW_BYTES;
  for (int b = lx; b < NB && row < n_rows; b += GEMM_LX) {
    float16 lo, hi;
    decode_block(wrow + (size_t)b * BLOCK_BYTES, &lo, &hi);
    for (int t = 0; t < GEMM_TM; ++t) {
      if (t < nt) {
        global const float* xt = X + x_off + (size_t)(t0 + t) * K;
        global const float* at = aux_row(A, x_off, t0 + t);
        const float16 xlo = load_x16(xt, at, b * 32, &ss[t]), xhi = load_x16(xt, at, b * 32 + 16, &ss[t]);
        acc[t] += fold16(lo * xlo + hi * xhi);
      }
    }
  }
  for (int t = 0; t < GEMM_TM; ++t) {
    red[ly][0][lx] = sum4(acc[t]);
    red[ly][1][lx] = ss[t];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = GEMM_LX / 2; s > 0; s >>= 1) {
      if (lx < s) {
        red[ly][0][lx] += red[ly][0][lx + s];
        red[ly][1][lx] += red[ly][1][lx + s];
      }
      barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lx == 0 && row < n_rows && t < nt)
      store_y(Y0, Y1, Y2, n0, n1, n_rows, t0 + t, row, red[ly][0][0] * norm_scale(red[ly][1][0], eps));
    barrier(CLK_LOCAL_MEM_FENCE);
  }
}
#endif

#else
// ---- Unit path (GPUs): four work-items share a block so a warp reads consecutive bytes.

// A block is read as 4 "units" of 8 weights by 4 neighbouring work-items, so that a warp's loads
// cover consecutive bytes (coalesced) whatever the block size (18, 20, 34 bytes). Unit q of a block
// holds the weights at offsets U_OFF0(q)..+3 and U_OFF1(q)..+3 of the block's 32.
#define UNITS (NB * 4)
#if WTYPE == T_Q4_0 || WTYPE == T_Q4_1
#define U_OFF0(q) (4 * (q))
#define U_OFF1(q) (16 + 4 * (q))
#else
#define U_OFF0(q) (8 * (q))
#define U_OFF1(q) (8 * (q) + 4)
#endif

inline void decode_unit(global const uchar* p, int q, float4* w0, float4* w1) {
#if WTYPE == T_F32
  *w0 = vload4(0, (global const float*)(p + 32 * q));
  *w1 = vload4(1, (global const float*)(p + 32 * q));
#elif WTYPE == T_F16
  *w0 = vload_half4(0, (global const half*)(p + 16 * q));
  *w1 = vload_half4(1, (global const half*)(p + 16 * q));
#elif WTYPE == T_Q8_0
  const float d = vload_half(0, (global const half*)p);
  const float8 v = convert_float8(as_char8(vload4(0, (global const ushort*)(p + 2 + 8 * q))));
  *w0 = v.lo * d;
  *w1 = v.hi * d;
#elif WTYPE == T_Q4_0
  const float d = vload_half(0, (global const half*)p);
  const uchar4 b = as_uchar4(vload2(0, (global const ushort*)(p + 2 + 4 * q)));
  *w0 = (convert_float4(b & (uchar4)(15)) - 8.0f) * d;
  *w1 = (convert_float4(b >> (uchar4)(4)) - 8.0f) * d;
#elif WTYPE == T_Q4_1
  const float d = vload_half(0, (global const half*)p);
  const float m = vload_half(1, (global const half*)p);
  const uchar4 b = as_uchar4(*(global const uint*)(p + 4 + 4 * q));
  *w0 = convert_float4(b & (uchar4)(15)) * d + m;
  *w1 = convert_float4(b >> (uchar4)(4)) * d + m;
#endif
}


#if GEMV_SHFL
// A row group's GEMV_ROWS partial dots (tot, one per work-item) and RMSNorm sum of squares (ss)
// summed over its GEMV_LX work-items by warp shuffles (GEMV_LX a multiple of 32); with more than one
// warp per group the warps' sums meet in red (GEMV_ROWS + 1 rows of GEMV_LX floats) after one
// barrier. On return every work-item holds the sums in tot and the norm's scale in *sc.
inline void group_rows_sum(float* tot, float ss, local float (*red)[GEMV_LX], int lx, float eps, float* sc) {
  for (int r = 0; r < GEMV_ROWS; ++r) tot[r] = warp_sum(tot[r]);
#if XIN == 1
  ss = warp_sum(ss);
#endif
#if GEMV_LX > 32
  if ((lx & 31) == 0) {
    for (int r = 0; r < GEMV_ROWS; ++r) red[r][lx >> 5] = tot[r];
    red[GEMV_ROWS][lx >> 5] = ss;
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int r = 0; r <= GEMV_ROWS; ++r) {
    float s = 0.0f;
    for (int w = 0; w < GEMV_LX / 32; ++w) s += red[r][w];
    if (r < GEMV_ROWS) tot[r] = s;
    else ss = s;
  }
#endif
  *sc = norm_scale(ss, eps);
}
#endif

inline void gemv_unit(global const uchar* W, int row0, int n0, global const float4* x, global const float4* a, int u,
                      int nr, float4* acc, float* ss) {
  const int b = u >> 2, q = u & 3;
  const float4 xa = load_x4(x, a, (b * 32 + U_OFF0(q)) / 4, ss), xb = load_x4(x, a, (b * 32 + U_OFF1(q)) / 4, ss);
  for (int r = 0; r < GEMV_ROWS; ++r) {
    if (gemv_row_ok(r, nr)) {
      float4 wa, wb;
      decode_unit(W + gemv_row_off(row0, r, n0) + (size_t)b * BLOCK_BYTES, q, &wa, &wb);
      acc[r] += wa * xa + wb * xb;
    }
  }
}

#if !GEMV_Q8
// One token: y(N) = W(N, K) . x(K), x = X + x_off (x_off a multiple of 4). A work-group is
// (GEMV_LX, GEMV_GROUPS): each group of GEMV_LX work-items owns GEMV_ROWS consecutive rows; its
// work-items stride over the units of a row, load the unit's 8 x values once and apply them to all
// GEMV_ROWS rows (x reuse), then reduce across the group in local memory. Grid dimension 2: tokens,
// as in the block path.
__kernel __attribute__((reqd_work_group_size(GEMV_LX, GEMV_GROUPS, 1)))
void gemv(global const uchar* W, global const float4* X, int x_off, global const float4* A, float eps,
          global float* Y0, global float* Y1, global float* Y2, int n0, int n1, int n_rows) {
  const int lx = get_local_id(0), ly = get_local_id(1);
  const int row0 = (get_group_id(1) * GEMV_GROUPS + ly) * GEMV_OUT;
  const int nr = min(GEMV_OUT, (EPI_GLU ? n0 : n_rows) - row0);
  local float red[GEMV_GROUPS][GEMV_ROWS + 1][GEMV_LX];  // [GEMV_ROWS]: the sum of squares (XIN 1)
  float4 acc[GEMV_ROWS];
  for (int r = 0; r < GEMV_ROWS; ++r) acc[r] = (float4)(0.0f);
  float ss = 0.0f;
  const int t = get_group_id(2);
  global const float4* x = X + x_off / 4 + (size_t)t * (K / 4);
  global const float4* a = (global const float4*)aux_row((global const float*)A, x_off, t);
  // A constant trip count lets the compiler unroll and issue every load of the row up front.
#pragma unroll
  for (int i = 0; i < UNITS / GEMV_LX; ++i) gemv_unit(W, row0, n0, x, a, lx + i * GEMV_LX, nr, acc, &ss);
#if UNITS % GEMV_LX
  if (lx < UNITS % GEMV_LX) gemv_unit(W, row0, n0, x, a, lx + (UNITS / GEMV_LX) * GEMV_LX, nr, acc, &ss);
#endif
#if GEMV_SHFL
  float tot[GEMV_ROWS];
  for (int r = 0; r < GEMV_ROWS; ++r) tot[r] = sum4(acc[r]);
  float sc;
  group_rows_sum(tot, ss, red[ly], lx, eps, &sc);
#define TOT_DOT(r) tot[r]
  for (int r = 0; r < GEMV_OUT; ++r)
    if (r < nr && r % GEMV_LX == lx) store_y(Y0, Y1, Y2, n0, n1, n_rows, t, row0 + r, GEMV_RESULT(TOT_DOT, r, sc));
#undef TOT_DOT
#else
  for (int r = 0; r < GEMV_ROWS; ++r) red[ly][r][lx] = sum4(acc[r]);
  red[ly][GEMV_ROWS][lx] = ss;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = GEMV_LX / 2; s > 0; s >>= 1) {
    if (lx < s)
      for (int r = 0; r <= GEMV_ROWS; ++r) red[ly][r][lx] += red[ly][r][lx + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  const float sc = norm_scale(red[ly][GEMV_ROWS][0], eps);
#define RED_DOT(r) red[ly][r][0]
  for (int r = lx; r < nr; r += GEMV_LX) store_y(Y0, Y1, Y2, n0, n1, n_rows, t, row0 + r, GEMV_RESULT(RED_DOT, r, sc));
#undef RED_DOT
#endif
}
#endif

#if !GEMM_Q8
// m tokens: Y(m, N) = X(m, K) . W^T. Work-group (GEMM_LX, GEMM_ROWS), grid dim 2 over token tiles
// of GEMM_TM. Each group of GEMM_LX work-items owns GEMM_RPT rows; a work-item loads a unit's x
// values of the GEMM_TM tokens once and applies them to GEMM_RPT rows, decoding each weight unit
// once for GEMM_TM tokens (register tile GEMM_RPT x GEMM_TM), then one local reduction.
__kernel __attribute__((reqd_work_group_size(GEMM_LX, GEMM_ROWS, 1)))
void gemm(global const uchar* W, global const float4* X, int x_off, global const float4* A, float eps,
          global float* Y0, global float* Y1, global float* Y2, int n0, int n1, int n_rows, int m) {
  const int lx = get_local_id(0), ly = get_local_id(1);
  const int row0 = (get_group_id(1) * GEMM_ROWS + ly) * GEMM_RPT;
  const int nr = min(GEMM_RPT, n_rows - row0);
  const int t0 = get_group_id(2) * GEMM_TM;
  const int nt = min(GEMM_TM, m - t0);
  // [r * GEMM_TM + t]: the dots; [GEMM_RPT * GEMM_TM + t]: token t's sum of squares (XIN 1).
  local float red[GEMM_ROWS][(GEMM_RPT + 1) * GEMM_TM][GEMM_LX];
  float4 acc[GEMM_RPT][GEMM_TM];
  float ss[GEMM_TM];
  for (int t = 0; t < GEMM_TM; ++t) {
    ss[t] = 0.0f;
    for (int r = 0; r < GEMM_RPT; ++r) acc[r][t] = (float4)(0.0f);
  }
  global const uchar* w0 = W + (size_t)row0 * ROW_BYTES;
  // (A constant trip count, unrolled as in gemv, measured ~10% slower on the H200 at m = 2..8.)
  for (int u = lx; u < UNITS; u += GEMM_LX) {
    const int b = u >> 2, q = u & 3;
    const int ia = (b * 32 + U_OFF0(q)) / 4, ib = (b * 32 + U_OFF1(q)) / 4;
    float4 xa[GEMM_TM], xb[GEMM_TM];
    for (int t = 0; t < GEMM_TM; ++t) {
      if (t < nt) {
        global const float4* xt = X + x_off / 4 + (size_t)(t0 + t) * (K / 4);
        global const float4* at = (global const float4*)aux_row((global const float*)A, x_off, t0 + t);
        xa[t] = load_x4(xt, at, ia, &ss[t]);
        xb[t] = load_x4(xt, at, ib, &ss[t]);
      } else {
        xa[t] = xb[t] = (float4)(0.0f);
      }
    }
    for (int r = 0; r < GEMM_RPT; ++r) {
      if (r < nr) {
        float4 wa, wb;
        decode_unit(w0 + (size_t)r * ROW_BYTES + (size_t)b * BLOCK_BYTES, q, &wa, &wb);
        for (int t = 0; t < GEMM_TM; ++t) acc[r][t] += wa * xa[t] + wb * xb[t];
      }
    }
  }
#if GEMM_SHFL
  // Warp shuffles, then (more than one warp per row group) the warps' sums through red once.
  for (int t = 0; t < GEMM_TM; ++t) {
    for (int r = 0; r < GEMM_RPT; ++r) {
      const float v = warp_sum(sum4(acc[r][t]));
      if ((lx & 31) == 0) red[ly][r * GEMM_TM + t][lx >> 5] = v;
    }
#if XIN == 1
    const float v = warp_sum(ss[t]);
    if ((lx & 31) == 0) red[ly][GEMM_RPT * GEMM_TM + t][lx >> 5] = v;
#else
    if ((lx & 31) == 0) red[ly][GEMM_RPT * GEMM_TM + t][lx >> 5] = 0.0f;
#endif
  }
  barrier(CLK_LOCAL_MEM_FENCE);
#if GEMM_LX > 32
  for (int j = lx; j < (GEMM_RPT + 1) * GEMM_TM; j += GEMM_LX)
    for (int w = 1; w < GEMM_LX / 32; ++w) red[ly][j][0] += red[ly][j][w];
  barrier(CLK_LOCAL_MEM_FENCE);
#endif
#else
  for (int t = 0; t < GEMM_TM; ++t) {
    for (int r = 0; r < GEMM_RPT; ++r) red[ly][r * GEMM_TM + t][lx] = sum4(acc[r][t]);
    red[ly][GEMM_RPT * GEMM_TM + t][lx] = ss[t];
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = GEMM_LX / 2; s > 0; s >>= 1) {
    if (lx < s)
      for (int j = 0; j < (GEMM_RPT + 1) * GEMM_TM; ++j) red[ly][j][lx] += red[ly][j][lx + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
#endif
  for (int j = lx; j < GEMM_RPT * GEMM_TM; j += GEMM_LX) {
    const int r = j / GEMM_TM, t = j % GEMM_TM;
    if (r < nr && t < nt)
      store_y(Y0, Y1, Y2, n0, n1, n_rows, t0 + t, row0 + r,
              red[ly][j][0] * norm_scale(red[ly][GEMM_RPT * GEMM_TM + t][0], eps));
  }
}
#endif

#endif

// Embedding lookup: out(m, K) = dequant(W[tokens[t]]). Grid (NB, m); tokens checked by the host.
__kernel void embed_rows(global const uchar* W, global const int* tokens, global float* out) {
  const int b = get_global_id(0), t = get_global_id(1);
  float16 lo, hi;
  decode_block(W + (size_t)tokens[t] * ROW_BYTES + (size_t)b * BLOCK_BYTES, &lo, &hi);
  vstore16(lo, 0, out + (size_t)t * K + b * 32);
  vstore16(hi, 1, out + (size_t)t * K + b * 32);
}
