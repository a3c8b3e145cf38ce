// Attention-side ops of one model shape: RoPE, KV-cache append, causal grouped-query attention.
// Defines: HEAD_DIM (a multiple of 4), N_HEADS, N_KV (query / key-value heads), KV_F16 (cache in
// half or float), ROPE_NEOX (0: rotate adjacent pairs (2i, 2i+1); 1: pairs (i, i + HEAD_DIM/2)),
// ATTN_WG (work-group per (head, token)).
#if KV_F16
#define KV_T half
#define LOAD_KV(p, o) vload_half((o), (p))
#define LOAD_KV4(p, o) vload_half4(0, (p) + (o))
#else
#define KV_T float
#define LOAD_KV(p, o) (p)[o]
#define LOAD_KV4(p, o) vload4(0, (p) + (o))
#endif

// In place on x(m, nh, HEAD_DIM); token t sits at position pos0 + t; angle = pos * inv_freq[i]
// (inv_freq holds theta^(-2i/HEAD_DIM) / freq_factor[i], computed on the host). Grid (HEAD_DIM/2, nh, m).
__kernel void rope(global float* x, global const float* inv_freq, int pos0) {
  const int i = get_global_id(0), h = get_global_id(1), t = get_global_id(2);
  const int nh = get_global_size(1);
  global float* v = x + ((size_t)t * nh + h) * HEAD_DIM;
  const float ang = (float)(pos0 + t) * inv_freq[i];
  const float c = cos(ang), s = sin(ang);
#if ROPE_NEOX
  const int a = i, b = i + HEAD_DIM / 2;
#else
  const int a = 2 * i, b = 2 * i + 1;
#endif
  const float x0 = v[a], x1 = v[b];
  v[a] = x0 * c - x1 * s;
  v[b] = x0 * s + x1 * c;
}

// cache(n_ctx, N_KV, HEAD_DIM) rows n_past.. = src(m, N_KV, HEAD_DIM); count = m * N_KV * HEAD_DIM.
__kernel void kv_append(global const float* src, global KV_T* cache, int n_past, int count) {
  const int i = get_global_id(0);
  if (i >= count) return;
  const size_t o = (size_t)n_past * N_KV * HEAD_DIM + i;
#if KV_F16
  vstore_half_rte(src[i], o, cache);
#else
  cache[o] = src[i];
#endif
}

inline void reduce_max(local float* r, int lid) {
  for (int s = ATTN_WG / 2; s > 0; s >>= 1) {
    if (lid < s) r[lid] = fmax(r[lid], r[lid + s]);
    barrier(CLK_LOCAL_MEM_FENCE);
  }
}
inline void reduce_sum(local float* r, int lid) {
  for (int s = ATTN_WG / 2; s > 0; s >>= 1) {
    if (lid < s) r[lid] += r[lid + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
}

// O(m, N_HEADS, HEAD_DIM) = softmax(scale * Q K^T, causal) V. Token t (position n_past + t) sees
// cache rows 0..n_past+t. S(m, N_HEADS, n_ctx) is scratch for the probabilities. Grid (ATTN_WG, N_HEADS, m).
__kernel __attribute__((reqd_work_group_size(ATTN_WG, 1, 1)))
void attention(global const float* Q, global const KV_T* Kc, global const KV_T* Vc, global float* S,
               global float* O, int n_past, int n_ctx, float scale) {
  const int lid = get_local_id(0), h = get_group_id(1), t = get_group_id(2);
  const int kvh = h / (N_HEADS / N_KV);
  const int L = n_past + t + 1;
  local float q[HEAD_DIM];
  local float red[ATTN_WG];
  global const float* qg = Q + ((size_t)t * N_HEADS + h) * HEAD_DIM;
  for (int e = lid; e < HEAD_DIM; e += ATTN_WG) q[e] = qg[e] * scale;
  barrier(CLK_LOCAL_MEM_FENCE);
  global float* s = S + ((size_t)t * N_HEADS + h) * n_ctx;
  float mx = -INFINITY;
  for (int j = lid; j < L; j += ATTN_WG) {
    const size_t ko = ((size_t)j * N_KV + kvh) * HEAD_DIM;
    float acc = 0.0f;
    for (int e = 0; e < HEAD_DIM; e += 4) acc += dot(vload4(0, q + e), LOAD_KV4(Kc, ko + e));
    s[j] = acc;
    mx = fmax(mx, acc);
  }
  red[lid] = mx;
  barrier(CLK_LOCAL_MEM_FENCE);
  reduce_max(red, lid);
  mx = red[0];
  barrier(CLK_LOCAL_MEM_FENCE);
  float sum = 0.0f;
  for (int j = lid; j < L; j += ATTN_WG) {
    const float p = exp(s[j] - mx);
    s[j] = p;
    sum += p;
  }
  red[lid] = sum;
  barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
  reduce_sum(red, lid);
  const float inv = 1.0f / red[0];
  global float* o = O + ((size_t)t * N_HEADS + h) * HEAD_DIM;
#if ATTN_SPLIT == 1
  for (int e = lid; e < HEAD_DIM; e += ATTN_WG) {
    float acc = 0.0f;
    for (int j = 0; j < L; ++j) acc += s[j] * LOAD_KV(Vc, ((size_t)j * N_KV + kvh) * HEAD_DIM + e);
    o[e] = acc * inv;
  }
#else
  // P.V with the positions split over ATTN_SPLIT groups of ATTN_WG / ATTN_SPLIT work-items (a
  // work-item's chain of dependent adds is L / ATTN_SPLIT long, not L: on a GPU that chain, one
  // V load per step, bounds the kernel at long contexts), then the groups' partial sums added.
  local float part[ATTN_SPLIT][HEAD_DIM];
  const int lanes = ATTN_WG / ATTN_SPLIT, el = lid % lanes, jg = lid / lanes;
  for (int e = el; e < HEAD_DIM; e += lanes) {
    float acc = 0.0f;
    for (int j = jg; j < L; j += ATTN_SPLIT) acc += s[j] * LOAD_KV(Vc, ((size_t)j * N_KV + kvh) * HEAD_DIM + e);
    part[jg][e] = acc;
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int e = lid; e < HEAD_DIM; e += ATTN_WG) {
    float acc = 0.0f;
    for (int g = 0; g < ATTN_SPLIT; ++g) acc += part[g][e];
    o[e] = acc * inv;
  }
#endif
}

// Pair i of a head (normal: (2i, 2i+1); NeoX: (i, i + HEAD_DIM/2)) and token t's rotation of it
// from the host table cs(m, HEAD_DIM/2, 2) = (cos, sin).
inline int2 rope_pair(int i) {
#if ROPE_NEOX
  return (int2)(i, i + HEAD_DIM / 2);
#else
  return (int2)(2 * i, 2 * i + 1);
#endif
}
inline float2 rope_cs(global const float* cs, int t, int i) {
  return vload2(0, cs + ((size_t)t * (HEAD_DIM / 2) + i) * 2);
}
inline float2 rotate(float2 x, float2 cs) { return (float2)(x.x * cs.x - x.y * cs.y, x.x * cs.y + x.y * cs.x); }

// Like rope, with the rotation taken from a host table cs(m, HEAD_DIM/2, 2) = (cos, sin) per pair,
// so a model forward rotates exactly as the CPU backend (which builds the table as ggml does).
__kernel void rope_table(global float* x, global const float* cs) {
  const int i = get_global_id(0), h = get_global_id(1), t = get_global_id(2);
  const int nh = get_global_size(1);
  global float* v = x + ((size_t)t * nh + h) * HEAD_DIM;
  const int2 p = rope_pair(i);
  const float2 r = rotate((float2)(v[p.x], v[p.y]), rope_cs(cs, t, i));
  v[p.x] = r.x;
  v[p.y] = r.y;
}

// One launch for what a layer does between its QKV matmul and attention: rotates q(m, N_HEADS,
// HEAD_DIM) in place and k(m, N_KV, HEAD_DIM) as rope_table does, and writes the rotated k and the
// unrotated v into the caches' rows n_past.. (as kv_append: half with round-to-nearest-even).
// Grid (HEAD_DIM/2, N_HEADS + N_KV, m): heads below N_HEADS are q's, the rest k/v's.
__kernel void rope_kv(global float* q, global const float* k, global const float* v, global const float* cs,
                      global KV_T* kc, global KV_T* vc, int n_past) {
  const int i = get_global_id(0), h = get_global_id(1), t = get_global_id(2);
  const int2 p = rope_pair(i);
  const float2 c = rope_cs(cs, t, i);
  if (h < N_HEADS) {
    global float* x = q + ((size_t)t * N_HEADS + h) * HEAD_DIM;
    const float2 r = rotate((float2)(x[p.x], x[p.y]), c);
    x[p.x] = r.x;
    x[p.y] = r.y;
    return;
  }
  const size_t src = ((size_t)t * N_KV + (h - N_HEADS)) * HEAD_DIM;
  const size_t dst = ((size_t)(n_past + t) * N_KV + (h - N_HEADS)) * HEAD_DIM;
  const float2 r = rotate((float2)(k[src + p.x], k[src + p.y]), c);
#if KV_F16
  vstore_half_rte(r.x, dst + p.x, kc);
  vstore_half_rte(r.y, dst + p.y, kc);
  vstore_half_rte(v[src + p.x], dst + p.x, vc);
  vstore_half_rte(v[src + p.y], dst + p.y, vc);
#else
  kc[dst + p.x] = r.x;
  kc[dst + p.y] = r.y;
  vc[dst + p.x] = v[src + p.x];
  vc[dst + p.y] = v[src + p.y];
#endif
}
