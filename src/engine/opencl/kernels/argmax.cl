// Greedy decoding's pick on the device: the first index of each logit row's maximum, so a decode step
// reads back one int per row instead of the row (Llama-3: 128,256 floats, 513 KB through the host's
// copy and a host scan each step). Same answer as the host's argmax (sampler.cpp): NaN never wins, a
// tie goes to the lower index, a row of NaN gives 0. Defines: ARGMAX_WG (work-group per row, a power
// of two).

// (v, i) replaces (*bv, *bi) when larger, or equal at a lower index.
inline void argmax_take(float v, int i, float* bv, int* bi) {
  if (v > *bv || (v == *bv && i < *bi)) {
    *bv = v;
    *bi = i;
  }
}

// ids(m) = argmax of each row of x(m, n). Grid (ARGMAX_WG, m). A work-item scans float4s lid,
// lid + ARGMAX_WG, .. four at a time with the four loads issued first, then the work-group reduces.
__kernel __attribute__((reqd_work_group_size(ARGMAX_WG, 1, 1)))
void argmax_rows(global const float* x, int n, global int* ids) {
  const int lid = get_local_id(0), row = get_group_id(1);
  local float rv[ARGMAX_WG];
  local int ri[ARGMAX_WG];
  global const float* xr = x + (size_t)row * n;
  float bv = -INFINITY;
  int bi = n;  // no candidate yet (a row of NaN keeps it)
  const int n4 = n / 4;
  for (int c = lid; c < n4; c += 4 * ARGMAX_WG) {
    float4 v[4];
#pragma unroll
    for (int u = 0; u < 4; ++u) {
      const int c4 = c + u * ARGMAX_WG;
      v[u] = c4 < n4 ? vload4(c4, xr) : (float4)(NAN);  // NaN: never taken
    }
#pragma unroll
    for (int u = 0; u < 4; ++u) {
      const int i = 4 * (c + u * ARGMAX_WG);
      argmax_take(v[u].x, i, &bv, &bi);
      argmax_take(v[u].y, i + 1, &bv, &bi);
      argmax_take(v[u].z, i + 2, &bv, &bi);
      argmax_take(v[u].w, i + 3, &bv, &bi);
    }
  }
  for (int i = 4 * n4 + lid; i < n; i += ARGMAX_WG) argmax_take(xr[i], i, &bv, &bi);
  rv[lid] = bv;
  ri[lid] = bi;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = ARGMAX_WG / 2; s > 0; s >>= 1) {
    if (lid < s) {
      float v = rv[lid];
      int i = ri[lid];
      argmax_take(rv[lid + s], ri[lid + s], &v, &i);
      rv[lid] = v;
      ri[lid] = i;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (lid == 0) ids[row] = ri[0] < n ? ri[0] : 0;
}
