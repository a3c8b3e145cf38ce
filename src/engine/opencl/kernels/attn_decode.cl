// One token's attention (decode, m = 1) with what rope_kv does for it folded in, in one launch: a
// layer's decode step runs RoPE + KV append + attention as one kernel instead of two, and attends in
// a work-group wide enough that no work-item walks the positions one by one. layer.cl's attention
// gives each work-item a dim and a chain of L dependent V loads (H200, depth 64: 14.5 us a layer,
// latency-bound); here a work-item scores whole positions (a K row in 16-byte loads) and, for P.V,
// owns a quad of dims over 1 / DEC_SPLIT of the positions, so its loads are few and independent.
// Appended to layer.cl (its defines and rope_pair / rope_cs / rotate); also DEC_WG (work-group size,
// a power of two >= HEAD_DIM / 4) and DEC_CH (positions per chunk). Work-group h: query head h.
// Numerics as rope_kv + attention: the new k / v rounded as the cache stores them, q scaled before the
// dots, the same dot order; the softmax runs over chunks of DEC_CH positions with a running max and
// sum (online softmax), so the probabilities stay in local memory whatever the depth.
// attn_rows: the same attention for a batch of m tokens (a verify), after rope_kv.
#define DEC_QUADS (HEAD_DIM / 4)
#define DEC_SPLIT (DEC_WG / DEC_QUADS)
#if DEC_SPLIT < 1
#error "DEC_WG must be at least HEAD_DIM / 4"
#endif

// x as the cache stores it (half, round-to-nearest-even, as vstore_half_rte) and reads it back.
inline float kv_round(float x) {
#if KV_F16
  ushort b;
  vstore_half_rte(x, 0, (private half*)&b);
  return vload_half(0, (private const half*)&b);
#else
  return x;
#endif
}

// The max (is_max) or the sum of v over the work-group, returned to every work-item; r: DEC_WG floats
// of local scratch. With HS_SHFL_ATTN (NVIDIA, inline PTX) a warp reduces in registers and the warps
// meet after one barrier, else a local-memory tree of log2(DEC_WG) barriers.
inline float dec_allreduce(float v, local float* r, int lid, int is_max) {
#if HS_SHFL_ATTN && DEC_WG % 32 == 0
  v = is_max ? warp_max(v) : warp_sum(v);
  if ((lid & 31) == 0) r[lid >> 5] = v;
  barrier(CLK_LOCAL_MEM_FENCE);
  float a = r[0];
  for (int w = 1; w < DEC_WG / 32; ++w) a = is_max ? fmax(a, r[w]) : a + r[w];
#else
  r[lid] = v;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = DEC_WG / 2; s > 0; s >>= 1) {
    if (lid < s) r[lid] = is_max ? fmax(r[lid], r[lid + s]) : r[lid] + r[lid + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  const float a = r[0];
#endif
  barrier(CLK_LOCAL_MEM_FENCE);  // r is rewritten by the next call
  return a;
}

// P.V loads in batches of DEC_U positions per work-item, all issued before the first is used (a GPU
// issues in order: a load consumed in the same loop step costs a whole memory latency per step).
#define DEC_U 8
// This work-item's V quad (dims 4 qd..) at position pos: the cache's row, or vn's at newpos.
inline float4 dec_v(global const KV_T* Vc, local const float* vn, int pos, int newpos, int kvh, int qd) {
  return pos == newpos ? vload4(qd, vn) : LOAD_KV4(Vc, ((size_t)pos * N_KV + kvh) * HEAD_DIM + 4 * qd);
}

// softmax(q K^T) V of one query row over positions 0..L-1 into o(HEAD_DIM): q (scaled) in local memory,
// K / V rows from the caches except position newpos, whose k / v are kn / vn in local memory (-1: none).
// p, red, part: the caller's local scratch (DEC_CH, DEC_WG, DEC_SPLIT * DEC_QUADS).
inline void attend(local const float* q, local const float* kn, local const float* vn, int newpos, int L,
                   global const KV_T* Kc, global const KV_T* Vc, global float* o, int kvh, int lid, local float* p,
                   local float* red, local float4* part) {
  const int qd = lid % DEC_QUADS, sl = lid / DEC_QUADS;  // P.V: dims 4 qd.., positions sl, sl + DEC_SPLIT, ..
  const bool pv = sl < DEC_SPLIT;
  float4 acc = (float4)(0.0f);
  float m_run = -INFINITY, l_run = 0.0f;  // l_run: this work-item's share of the sum of exps
  for (int c0 = 0; c0 < L; c0 += DEC_CH) {
    const int n = min(DEC_CH, L - c0);
    float mx = -INFINITY;
    for (int j = lid; j < n; j += DEC_WG) {
      const int pos = c0 + j;
      float s = 0.0f;
      if (pos == newpos) {
        for (int e = 0; e < HEAD_DIM; e += 4) s += dot(vload4(0, q + e), vload4(0, kn + e));
      } else {
        const size_t ko = ((size_t)pos * N_KV + kvh) * HEAD_DIM;
        for (int e = 0; e < HEAD_DIM; e += 4) s += dot(vload4(0, q + e), LOAD_KV4(Kc, ko + e));
      }
      p[j] = s;
      mx = fmax(mx, s);
    }
    // The first batch of V quads is loaded now, under the max's reduction.
    float4 vb[DEC_U];
#pragma unroll
    for (int u = 0; u < DEC_U; ++u) {
      const int j = sl + u * DEC_SPLIT;
      vb[u] = pv && j < n ? dec_v(Vc, vn, c0 + j, newpos, kvh, qd) : (float4)(0.0f);
    }
    const float m_new = fmax(m_run, dec_allreduce(mx, red, lid, 1));
    const float alpha = exp(m_run - m_new);  // 0 on the first chunk
    l_run *= alpha;
    for (int j = lid; j < n; j += DEC_WG) {
      const float e = exp(p[j] - m_new);
      p[j] = e;
      l_run += e;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    acc *= alpha;
    if (pv) {
#pragma unroll
      for (int u = 0; u < DEC_U; ++u) {
        const int j = sl + u * DEC_SPLIT;
        if (j < n) acc += p[j] * vb[u];
      }
      for (int j0 = sl + DEC_U * DEC_SPLIT; j0 < n; j0 += DEC_U * DEC_SPLIT) {
#pragma unroll
        for (int u = 0; u < DEC_U; ++u) {
          const int j = j0 + u * DEC_SPLIT;
          vb[u] = j < n ? dec_v(Vc, vn, c0 + j, newpos, kvh, qd) : (float4)(0.0f);
        }
#pragma unroll
        for (int u = 0; u < DEC_U; ++u) {
          const int j = j0 + u * DEC_SPLIT;
          if (j < n) acc += p[j] * vb[u];
        }
      }
    }
    m_run = m_new;
    barrier(CLK_LOCAL_MEM_FENCE);  // p is rewritten by the next chunk
  }
  if (pv) part[sl * DEC_QUADS + qd] = acc;
  const float inv = 1.0f / dec_allreduce(l_run, red, lid, 0);  // its barriers also publish part
  for (int e = lid; e < DEC_QUADS; e += DEC_WG) {
    float4 s = (float4)(0.0f);
    for (int g = 0; g < DEC_SPLIT; ++g) s += part[g * DEC_QUADS + e];
    vstore4(s * inv, e, o);
  }
}

// O(N_HEADS, HEAD_DIM) = softmax(scale * q K^T) V over cache rows 0..n_past, row n_past being this
// token's: q(N_HEADS, HEAD_DIM), k / v(N_KV, HEAD_DIM) straight from the QKV matmul, cs(HEAD_DIM/2, 2)
// the position's rotation. The first query head of each KV group writes the rotated k and v into the
// caches' row n_past; every head's work-group rotates its own copy (no wait on another group's store).
// Grid (DEC_WG, N_HEADS, 1).
__kernel __attribute__((reqd_work_group_size(DEC_WG, 1, 1)))
void attn_decode(global const float* Q, global const float* Kn, global const float* Vn, global const float* cs,
                 global KV_T* Kc, global KV_T* Vc, global float* O, int n_past, float scale) {
  const int lid = get_local_id(0), h = get_group_id(1);
  const int kvh = h / (N_HEADS / N_KV);
  local float q[HEAD_DIM], kn[HEAD_DIM], vn[HEAD_DIM];
  local float p[DEC_CH];
  local float red[DEC_WG];
  local float4 part[DEC_SPLIT][DEC_QUADS];
  global const float* qg = Q + (size_t)h * HEAD_DIM;
  global const float* kg = Kn + (size_t)kvh * HEAD_DIM;
  global const float* vg = Vn + (size_t)kvh * HEAD_DIM;
  const bool writer = h % (N_HEADS / N_KV) == 0;
  const size_t row = ((size_t)n_past * N_KV + kvh) * HEAD_DIM;
  for (int i = lid; i < HEAD_DIM / 2; i += DEC_WG) {
    const int2 pr = rope_pair(i);
    const float2 c = rope_cs(cs, 0, i);
    const float2 rq = rotate((float2)(qg[pr.x], qg[pr.y]), c);
    q[pr.x] = rq.x * scale;
    q[pr.y] = rq.y * scale;
    const float2 rk = rotate((float2)(kg[pr.x], kg[pr.y]), c);
    kn[pr.x] = kv_round(rk.x);
    kn[pr.y] = kv_round(rk.y);
    vn[pr.x] = kv_round(vg[pr.x]);
    vn[pr.y] = kv_round(vg[pr.y]);
    if (writer) {
#if KV_F16
      vstore_half_rte(rk.x, row + pr.x, Kc);
      vstore_half_rte(rk.y, row + pr.y, Kc);
      vstore_half_rte(vg[pr.x], row + pr.x, Vc);
      vstore_half_rte(vg[pr.y], row + pr.y, Vc);
#else
      Kc[row + pr.x] = rk.x;
      Kc[row + pr.y] = rk.y;
      Vc[row + pr.x] = vg[pr.x];
      Vc[row + pr.y] = vg[pr.y];
#endif
    }
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  attend(q, kn, vn, n_past, n_past + 1, Kc, Vc, O + (size_t)h * HEAD_DIM, kvh, lid, p, red, &part[0][0]);
}

// The same attention for a batch (m tokens, causal), after rope_kv has rotated q in place and appended
// the batch's rows to the caches: token t (position n_past + t) attends over rows 0..n_past + t.
// Q, O (m, N_HEADS, HEAD_DIM). Grid (DEC_WG, N_HEADS, m).
__kernel __attribute__((reqd_work_group_size(DEC_WG, 1, 1)))
void attn_rows(global const float* Q, global const KV_T* Kc, global const KV_T* Vc, global float* O, int n_past,
               float scale) {
  const int lid = get_local_id(0), h = get_group_id(1), t = get_group_id(2);
  const int kvh = h / (N_HEADS / N_KV);
  local float q[HEAD_DIM];
  local float p[DEC_CH];
  local float red[DEC_WG];
  local float4 part[DEC_SPLIT][DEC_QUADS];
  global const float* qg = Q + ((size_t)t * N_HEADS + h) * HEAD_DIM;
  for (int e = lid; e < HEAD_DIM; e += DEC_WG) q[e] = qg[e] * scale;
  barrier(CLK_LOCAL_MEM_FENCE);
  attend(q, q, q, -1, n_past + t + 1, Kc, Vc, O + ((size_t)t * N_HEADS + h) * HEAD_DIM, kvh, lid, p, red, &part[0][0]);
}
