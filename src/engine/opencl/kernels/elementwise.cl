// Row-wise and elementwise ops shared by every model shape. Defines: NORM_WG (work-group per row).

inline void row_reduce_sum(local float* r, int lid) {
  for (int s = NORM_WG / 2; s > 0; s >>= 1) {
    if (lid < s) r[lid] += r[lid + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
}

// y(m, n) = x * w / sqrt(mean(x^2) + eps), one work-group per row. Grid (NORM_WG, m).
__kernel __attribute__((reqd_work_group_size(NORM_WG, 1, 1)))
void rmsnorm(global const float* x, global const float* w, global float* y, int n, float eps) {
  const int lid = get_local_id(0), row = get_group_id(1);
  local float red[NORM_WG];
  global const float* xr = x + (size_t)row * n;
  float ss = 0.0f;
  for (int i = lid; i < n; i += NORM_WG) ss += xr[i] * xr[i];
  red[lid] = ss;
  barrier(CLK_LOCAL_MEM_FENCE);
  row_reduce_sum(red, lid);
  const float r = 1.0f / sqrt(red[0] / (float)n + eps);
  global float* yr = y + (size_t)row * n;
  for (int i = lid; i < n; i += NORM_WG) yr[i] = xr[i] * r * w[i];
}

// In place on x(m, n): each row becomes softmax(row). Grid (NORM_WG, m).
__kernel __attribute__((reqd_work_group_size(NORM_WG, 1, 1)))
void softmax_rows(global float* x, int n) {
  const int lid = get_local_id(0), row = get_group_id(1);
  local float red[NORM_WG];
  global float* xr = x + (size_t)row * n;
  float mx = -INFINITY;
  for (int i = lid; i < n; i += NORM_WG) mx = fmax(mx, xr[i]);
  red[lid] = mx;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = NORM_WG / 2; s > 0; s >>= 1) {
    if (lid < s) red[lid] = fmax(red[lid], red[lid + s]);
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  mx = red[0];
  barrier(CLK_LOCAL_MEM_FENCE);
  float sum = 0.0f;
  for (int i = lid; i < n; i += NORM_WG) {
    const float p = exp(xr[i] - mx);
    xr[i] = p;
    sum += p;
  }
  red[lid] = sum;
  barrier(CLK_LOCAL_MEM_FENCE);
  row_reduce_sum(red, lid);
  const float inv = 1.0f / red[0];
  for (int i = lid; i < n; i += NORM_WG) xr[i] *= inv;
}

// out = silu(gate) * up, elementwise over n values.
__kernel void swiglu(global const float* gate, global const float* up, global float* out, int n) {
  const int i = get_global_id(0);
  if (i >= n) return;
  const float g = gate[i];
  out[i] = g / (1.0f + exp(-g)) * up[i];
}

// x += y, elementwise over n values.
__kernel void add_inplace(global float* x, global const float* y, int n) {
  const int i = get_global_id(0);
  if (i >= n) return;
  x[i] += y[i];
}

// x(rows, n) += b(n) broadcast over rows (QKV bias); total = rows * n.
__kernel void add_rows(global float* x, global const float* b, int n, int total) {
  const int i = get_global_id(0);
  if (i >= total) return;
  x[i] += b[i % n];
}
