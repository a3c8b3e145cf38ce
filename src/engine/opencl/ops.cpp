#include "hetspec/engine/opencl/ops.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "hetspec/core/error.hpp"

namespace hetspec::ocl {

namespace {

const std::vector<std::string> kMatmulSrc = {"common.cl", "matmul.cl", "gemv_q8.cl"};
const std::vector<std::string> kLayerSrc = {"common.cl", "layer.cl", "attn_decode.cl"};
const std::vector<std::string> kElemSrc = {"common.cl", "elementwise.cl"};
const std::vector<std::string> kArgmaxSrc = {"common.cl", "argmax.cl"};

// The GEMV a (dtype, K) runs on this device: gemv_q8.cl's integer-dot kernel for quantized weights
// where the tuning asks for it and x's int8 copy fits in local memory, else matmul.cl's.
struct GemvShape {
  bool q8;
  int lx, rows, groups;
  bool tall = false;  // the tuning's gemv_tall_* shape (a program of its own: rows per group differ)
};
GemvShape gemv_shape(const Device& dev, DType t, int64_t k, int64_t rows) {
  const Tuning& tu = dev.tuning();
  if (tu.gemv_q8 && rows >= tu.gemv_q8_min_rows && (t == DType::Q4_0 || t == DType::Q4_1 || t == DType::Q8_0)) {
    // x as int8 (k bytes) + (d, d * sum) per block + the row reduction + the norm's sums of squares.
    const uint64_t local = uint64_t(k) + uint64_t(k / 32) * 8 +
                           uint64_t(tu.gemvq_groups) * tu.gemvq_lx * (tu.gemvq_rows + 1) * 4;
    const uint64_t have = dev.info().local_mem_bytes ? dev.info().local_mem_bytes : 16384;
    if (local <= have) return {true, tu.gemvq_lx, tu.gemvq_rows, tu.gemvq_groups};
  }
  if (tu.gemv_tall_n > 0 && rows >= tu.gemv_tall_n) return {false, tu.gemv_tall_lx, tu.gemv_tall_rows, tu.gemv_tall_groups, true};
  if (tu.gemv_wide_k > 0 && k >= tu.gemv_wide_k) return {false, tu.gemv_wide_lx, tu.gemv_rows, tu.gemv_wide_groups};
  return {false, tu.gemv_lx, tu.gemv_rows, tu.gemv_groups};
}

// The integer-dot GEMM (runs_gemm_q8: quantize_x, then gemv_q8.cl's gemm) rounds x one token row per
// work-group of this size (passed to the kernel as QX_WG).
constexpr int kQuantXWg = 64;
// attn_decode.cl's positions per chunk of its online softmax (their probabilities in local memory).
constexpr int kDecodeChunk = 256;

std::string matmul_defines(const Device& dev, DType t, int64_t k, int64_t rows, MatIn in = MatIn::Plain,
                           bool accumulate = false, bool glu = false) {
  const Tuning& tu = dev.tuning();
  const GemvShape g = gemv_shape(dev, t, k, rows);
  const bool shfl = tu.ptx_asm && tu.mm_split == 4;  // warp shuffles: inline PTX, the GPU path
  const bool gq8 = runs_gemm_q8(tu, t, k);
  return "-DWTYPE=" + std::to_string(wtype_id(t)) + " -DK=" + std::to_string(k) + " -DXIN=" + std::to_string(int(in)) +
         " -DEPI_ADD=" + (accumulate ? "1" : "0") + (glu ? " -DEPI_GLU=1" : "") + " -DMM_SPLIT=" + std::to_string(tu.mm_split) +
         " -DGEMV_Q8=" + (g.q8 ? "1" : "0") + " -DGEMM_Q8=" + (gq8 ? "1" : "0") +
         ((g.q8 || gq8) && tu.ptx_asm ? " -DHS_PTX=1" : "") + (gq8 ? " -DQX_WG=" + std::to_string(kQuantXWg) : "") +
         (shfl && tu.warp_shuffle ? " -DHS_SHFL_GEMV=1" : "") + (shfl && tu.gemm_warp_shuffle ? " -DHS_SHFL_GEMM=1" : "") +
         " -DGEMV_LX=" + std::to_string(g.lx) + " -DGEMV_ROWS=" + std::to_string(g.rows) +
         " -DGEMV_GROUPS=" + std::to_string(g.groups) + " -DGEMM_LX=" + std::to_string(tu.gemm_lx) +
         " -DGEMM_ROWS=" + std::to_string(tu.gemm_rows) + " -DGEMM_TM=" + std::to_string(tu.gemm_tm) +
         " -DGEMM_RPT=" + std::to_string(tu.mm_split == 1 ? 1 : tu.gemm_rpt);
}

std::string layer_defines(const Device& dev, const LayerShape& s) {
  if (s.head_dim <= 0 || s.head_dim % 4 != 0 || s.n_heads <= 0 || s.n_kv_heads <= 0 || s.n_heads % s.n_kv_heads != 0)
    throw Error(dev.label(), "bad layer shape: head_dim " + std::to_string(s.head_dim) + " (a positive multiple of 4), " +
                                 std::to_string(s.n_heads) + " heads, " + std::to_string(s.n_kv_heads) +
                                 " kv heads (must divide the heads)");
  return "-DHEAD_DIM=" + std::to_string(s.head_dim) + " -DN_HEADS=" + std::to_string(s.n_heads) +
         " -DN_KV=" + std::to_string(s.n_kv_heads) + " -DKV_F16=" + (s.kv_f16 ? "1" : "0") +
         " -DROPE_NEOX=" + (s.rope_neox ? "1" : "0") + " -DATTN_WG=" + std::to_string(dev.tuning().attn_wg) +
         " -DATTN_SPLIT=" + std::to_string(attn_split_for(dev.tuning(), s.head_dim)) +
         " -DDEC_WG=" + std::to_string(attn_decode_wg(dev.tuning(), s.head_dim)) + " -DDEC_CH=" + std::to_string(kDecodeChunk) +
         (dev.tuning().ptx_asm ? " -DHS_SHFL_ATTN=1" : "");
}

// argmax.cl's work-group: up to 1024 work-items (a 128k-entry row in ~31 float4s each), within the device.
size_t argmax_wg(const Device& dev) {
  size_t cap = std::min<size_t>(1024, dev.info().max_work_group_size ? dev.info().max_work_group_size : 256), wg = 1;
  while (wg * 2 <= cap) wg *= 2;
  return wg;
}

std::string elem_defines(const Device& dev) { return "-DNORM_WG=" + std::to_string(dev.tuning().norm_wg); }

// Keys of the launch path's kernels (Device::kernel_by_key): an op id in the top byte, then what
// its program is specialised on. Matmul: weight type, K, input transform, epilogue.
enum KernelOp : uint64_t { kGemv = 1, kGemm, kQuantX, kEmbed, kRmsNorm, kSoftmax, kSwiGLU, kAdd, kAddRows, kRope, kRopeTable,
                           kKvAppend, kRopeKv, kAttention, kAttnDecode, kAttnRows, kArgmax };
uint64_t matmul_key(KernelOp op, DType t, int64_t k, MatIn in, bool accumulate, bool glu, bool gemv_q8, bool tall) {
  return (uint64_t(op) << 56) | (uint64_t(wtype_id(t)) << 48) | (uint64_t(in) << 46) | (uint64_t(accumulate) << 45) |
         (uint64_t(glu) << 44) | (uint64_t(gemv_q8) << 43) | (uint64_t(tall) << 42) | (uint64_t(k) & ((uint64_t(1) << 40) - 1));
}
uint64_t layer_key(KernelOp op, const LayerShape& s) {
  return (uint64_t(op) << 56) | (uint64_t(s.head_dim & 0xfff) << 32) | (uint64_t(s.n_heads & 0xfff) << 20) |
         (uint64_t(s.n_kv_heads & 0xfff) << 8) | (uint64_t(s.kv_f16) << 1) | uint64_t(s.rope_neox);
}

// The launch path checks every call; messages are built only when a check fails.
[[noreturn]] void fail(const Device& dev, const char* op, const std::string& what) {
  throw Error(dev.label() + ": " + op, what);
}
void need(bool ok, const Device& dev, const char* op, const char* what) {
  if (!ok) fail(dev, op, what);
}

size_t f32s(int64_t n) { return static_cast<size_t>(n) * sizeof(float); }

int to_int(int64_t v, const Device& dev, const char* op) {
  if (v < 0 || v > INT32_MAX) fail(dev, op, "size " + std::to_string(v) + " out of range");
  return static_cast<int>(v);
}

}  // namespace

bool cl_supports_dtype(DType t) {
  return t == DType::F32 || t == DType::F16 || t == DType::Q8_0 || t == DType::Q4_0 || t == DType::Q4_1;
}

int wtype_id(DType t) {
  switch (t) {
    case DType::F32: return 0;
    case DType::F16: return 1;
    case DType::Q8_0: return 2;
    case DType::Q4_0: return 3;
    case DType::Q4_1: return 4;
    default: break;
  }
  throw Error(std::string("OpenCL backend: weight type ") + dtype_name(t), "not supported (F32, F16, Q8_0, Q4_0, Q4_1)");
}

ClWeight upload_weight(Device& dev, const WeightView& w, const std::string& name) {
  if (!cl_supports_dtype(w.dtype))
    throw Error(dev.label() + ": " + name, std::string("weight type ") + dtype_name(w.dtype) + " not supported on OpenCL");
  if (w.rows <= 0 || w.cols <= 0 || w.cols % 32 != 0)
    throw Error(dev.label() + ": " + name, "shape (" + std::to_string(w.rows) + ", " + std::to_string(w.cols) +
                                               "): columns must be a positive multiple of 32");
  ClWeight out;
  out.dtype = w.dtype;
  out.rows = w.rows;
  out.cols = w.cols;
  size_t bytes = w.row_stride() * static_cast<size_t>(w.rows);
  out.buf = Buffer(dev, bytes, CL_MEM_READ_ONLY);
  dev.write(out.buf, w.data, bytes);
  return out;
}

ClWeight upload_weight_rows(Device& dev, const std::vector<WeightView>& ws, const std::string& name) {
  if (ws.empty()) fail(dev, name.c_str(), "no weights to concatenate");
  std::vector<uint8_t> host;
  int64_t rows = 0;
  for (const WeightView& w : ws) {
    if (w.dtype != ws[0].dtype || w.cols != ws[0].cols)
      throw Error(dev.label() + ": " + name, "concatenated weights differ in dtype or columns");
    const size_t bytes = w.row_stride() * static_cast<size_t>(w.rows);
    const uint8_t* p = static_cast<const uint8_t*>(w.data);
    host.insert(host.end(), p, p + bytes);
    rows += w.rows;
  }
  WeightView all = ws[0];
  all.rows = rows;
  all.data = host.data();
  return upload_weight(dev, all, name);
}

Buffer upload_f32(Device& dev, const float* data, size_t n) {
  Buffer b(dev, n * sizeof(float));
  dev.write(b, data, n * sizeof(float));
  return b;
}

std::vector<float> download_f32(Device& dev, const Buffer& b, size_t n) {
  std::vector<float> v(n);
  dev.read(b, v.data(), n * sizeof(float));
  return v;
}

void prepare_matmul(Device& dev, const ClWeight& w, MatIn in, bool accumulate, bool glu) {
  std::string defs = matmul_defines(dev, w.dtype, w.cols, w.rows, in, accumulate, glu);
  for (const char* k : {"gemv", "gemm", "embed_rows"}) dev.kernel(kMatmulSrc, defs, k);
}

bool matmul_glu_runs(const Device& dev, const ClWeight& w, int64_t m, int gemv_max_m) {
  const GemvShape g = gemv_shape(dev, w.dtype, w.cols, w.rows);
  return dev.tuning().glu_epilogue && m >= 1 && m <= (gemv_max_m > 0 ? gemv_max_m : dev.tuning().gemv_max_m) &&
         !g.q8 && g.rows % 2 == 0 && w.rows % 2 == 0;
}

void prepare_layer_ops(Device& dev, const LayerShape& s) {
  for (const char* k : {"rope", "rope_table", "kv_append", "rope_kv", "attention", "attn_decode", "attn_rows"})
    dev.kernel(kLayerSrc, layer_defines(dev, s), k);
  for (const char* k : {"rmsnorm", "softmax_rows", "swiglu", "add_inplace", "add_rows"})
    dev.kernel(kElemSrc, elem_defines(dev), k);
}

void prepare_argmax(Device& dev) { dev.kernel(kArgmaxSrc, "-DARGMAX_WG=" + std::to_string(argmax_wg(dev)), "argmax_rows"); }

namespace {
// A checked matmul_ex call: the kernel arguments shared by the GEMV and the GEMM.
struct MatmulArgs {
  Buffer* ys[3];
  int n, x_off, n0, n1;
  const Buffer* aux;
};
MatmulArgs check_matmul(Device& dev, const ClWeight& w, const MatmulEx& a, int64_t m) {
  need(m >= 1, dev, "matmul", "m must be >= 1");
  need(a.x && a.y[0], dev, "matmul", "missing input or output buffer");
  need(a.x_row >= 0 && a.x->bytes() >= f32s((a.x_row + m) * w.cols), dev, "matmul",
       "input buffer smaller than (x_row + m, cols)");
  need(a.in == MatIn::Plain || a.aux, dev, "matmul", "the input transform needs its aux buffer");
  if (a.in == MatIn::RmsNorm) need(a.aux->bytes() >= f32s(w.cols), dev, "matmul", "norm weight smaller than cols");
  if (a.in == MatIn::SwiGLU)
    need(a.aux->bytes() >= f32s((a.x_row + m) * w.cols), dev, "matmul", "up buffer smaller than (x_row + m, cols)");
  // Segments: rows of W split over the outputs in order.
  int64_t seg[3] = {a.seg[0] > 0 ? a.seg[0] : w.rows, a.seg[1], a.seg[2]};
  need(seg[1] >= 0 && seg[2] >= 0 && seg[0] + seg[1] + seg[2] == w.rows, dev, "matmul",
       "output segments do not add up to the weight's rows");
  MatmulArgs r{{a.y[0], a.y[1] ? a.y[1] : a.y[0], a.y[2] ? a.y[2] : a.y[0]}, 0, 0, 0, 0, a.aux ? a.aux : a.x};
  if (a.glu) {
    need(seg[0] * 2 == w.rows && seg[1] == seg[0] && !a.y[1] && !a.accumulate, dev, "matmul",
         "the SwiGLU epilogue needs W = [gate; up] as seg {f, f}, one output and no accumulate");
    need(matmul_glu_runs(dev, w, m, a.gemv_max_m), dev, "matmul",
         "the SwiGLU epilogue runs only as matmul.cl's GEMV (see matmul_glu_runs)");
  }
  for (int j = 0; j < (a.glu ? 1 : 3); ++j)  // (the epilogue's one output has seg[0] columns)
    if (seg[j] > 0) {
      need(j == 0 || a.y[j], dev, "matmul", "missing output buffer of a segment");
      need(r.ys[j]->bytes() >= f32s(m * seg[j]), dev, "matmul", "output buffer smaller than (m, rows)");
    }
  r.n = to_int(w.rows, dev, "matmul");
  r.x_off = to_int(a.x_row * w.cols, dev, "matmul");
  r.n0 = int(seg[0]);
  r.n1 = int(seg[1]);
  return r;
}
// The shared GEMV / GEMM kernel of w's (dtype, K) with a's input transform and epilogue.
cl_kernel matmul_kernel(Device& dev, KernelOp op, const ClWeight& w, const MatmulEx& a) {
  const GemvShape g = gemv_shape(dev, w.dtype, w.cols, w.rows);
  return dev.kernel_by_key(matmul_key(op, w.dtype, w.cols, a.in, a.accumulate, a.glu, g.q8, g.tall), [&] {
    return dev.kernel(kMatmulSrc, matmul_defines(dev, w.dtype, w.cols, w.rows, a.in, a.accumulate, a.glu),
                      op == kGemv ? "gemv" : op == kGemm ? "gemm" : "quantize_x");
  });
}
void gemv_sizes(const GemvShape& g, int n, size_t* global, size_t* local, int64_t m = 1) {
  local[0] = size_t(g.lx), local[1] = size_t(g.groups), local[2] = 1;
  global[0] = local[0], global[1] = round_up((n + g.rows - 1) / g.rows, local[1]), global[2] = size_t(m);
}
}  // namespace

void matmul_ex(Device& dev, const ClWeight& w, const MatmulEx& a, int64_t m) {
  const MatmulArgs r = check_matmul(dev, w, a, m);
  const Tuning& tu = dev.tuning();
  if (m <= (a.gemv_max_m > 0 ? a.gemv_max_m : tu.gemv_max_m)) {  // m GEMVs in one launch (grid dimension 2: tokens)
    cl_kernel k = matmul_kernel(dev, kGemv, w, a);
    dev.set_args(k, w.buf, *a.x, r.x_off, *r.aux, a.eps, *r.ys[0], *r.ys[1], *r.ys[2], r.n0, r.n1, r.n);
    size_t local[3], global[3];
    gemv_sizes(gemv_shape(dev, w.dtype, w.cols, w.rows), r.n, global, local, m);
    dev.launch(k, "gemv", m == 1 ? 2 : 3, global, local);
  } else {
    cl_kernel k = matmul_kernel(dev, kGemm, w, a);
    int mi = to_int(m, dev, "matmul");
    if (runs_gemm_q8(tu, w.dtype, w.cols)) {  // x (m, K) to int8 once: (m, K) bytes, (m, K / 32) scale pairs, m norm scales
      const Buffer& s = dev.scratch(size_t(m) * size_t(w.cols / 32) * 40 + size_t(m) * 4);
      cl_kernel q = matmul_kernel(dev, kQuantX, w, a);
      dev.set_args(q, *a.x, r.x_off, *r.aux, a.eps, s, mi);
      const size_t ql[3] = {size_t(kQuantXWg), 1, 1}, qg[3] = {size_t(kQuantXWg) * size_t(m), 1, 1};
      dev.launch(q, "quantize_x", 1, qg, ql);
      dev.set_args(k, w.buf, s, *r.ys[0], *r.ys[1], *r.ys[2], r.n0, r.n1, r.n, mi);
    } else {
      dev.set_args(k, w.buf, *a.x, r.x_off, *r.aux, a.eps, *r.ys[0], *r.ys[1], *r.ys[2], r.n0, r.n1, r.n, mi);
    }
    const int rpt = tu.mm_split == 1 ? 1 : tu.gemm_rpt;  // the CPU path's gemm has one row per group
    size_t local[3] = {size_t(tu.gemm_lx), size_t(tu.gemm_rows), 1};
    size_t global[3] = {local[0], round_up((r.n + rpt - 1) / rpt, local[1]), size_t((m + tu.gemm_tm - 1) / tu.gemm_tm)};
    dev.launch(k, "gemm", 3, global, local);
  }
}

BoundLaunch::~BoundLaunch() {
  if (k_) clReleaseKernel(k_);
}
BoundLaunch::BoundLaunch(BoundLaunch&& o) noexcept { *this = std::move(o); }
BoundLaunch& BoundLaunch::operator=(BoundLaunch&& o) noexcept {
  if (this != &o) {
    if (k_) clReleaseKernel(k_);
    k_ = std::exchange(o.k_, nullptr);
    name_ = std::move(o.name_);
    dims_ = o.dims_;
    std::copy(o.global_, o.global_ + 3, global_);
    std::copy(o.local_, o.local_ + 3, local_);
    has_local_ = o.has_local_;
  }
  return *this;
}
void BoundLaunch::launch(Device& dev) const { dev.launch(k_, name_.c_str(), dims_, global_, has_local_ ? local_ : nullptr); }

void matmul_ex_bound(Device& dev, const ClWeight& w, const MatmulEx& a, BoundLaunch& site) {
  if (!site.bound()) {
    const MatmulArgs r = check_matmul(dev, w, a, 1);
    site.k_ = dev.create_kernel(kMatmulSrc, matmul_defines(dev, w.dtype, w.cols, w.rows, a.in, a.accumulate, a.glu), "gemv");
    dev.set_args(site.k_, w.buf, *a.x, r.x_off, *r.aux, a.eps, *r.ys[0], *r.ys[1], *r.ys[2], r.n0, r.n1, r.n);
    site.name_ = std::string(gemv_shape(dev, w.dtype, w.cols, w.rows).q8 ? "gemv_q8 " : "gemv ") + dtype_name(w.dtype) +
                 " N=" + std::to_string(w.rows) + " K=" + std::to_string(w.cols) +
                 (a.in == MatIn::RmsNorm ? " +norm" : a.in == MatIn::SwiGLU ? " +swiglu_in" : "") + (a.glu ? " +glu" : "") +
                 (a.accumulate ? " +add" : "");
    site.dims_ = 2;
    gemv_sizes(gemv_shape(dev, w.dtype, w.cols, w.rows), r.n, site.global_, site.local_);  // (fills a third dimension of 1)
  }
  site.launch(dev);
}

void matmul(Device& dev, const ClWeight& w, const Buffer& x, Buffer& y, int64_t m, int gemv_max_m) {
  MatmulEx a;
  a.x = &x;
  a.y[0] = &y;
  a.gemv_max_m = gemv_max_m;
  matmul_ex(dev, w, a, m);
}

void gemv_row(Device& dev, const ClWeight& w, const Buffer& x, int64_t x_row, Buffer& y) {
  if (x.bytes() < f32s((x_row + 1) * w.cols)) fail(dev, "gemv_row", "input buffer has no row " + std::to_string(x_row));
  MatmulEx a;
  a.x = &x;
  a.x_row = x_row;
  a.y[0] = &y;
  matmul_ex(dev, w, a, 1);
}

void embed(Device& dev, const ClWeight& table, const Buffer& tokens, Buffer& out, int64_t m) {
  need(m >= 1 && tokens.bytes() >= size_t(m) * 4, dev, "embed", "token buffer smaller than m");
  need(out.bytes() >= f32s(m * table.cols), dev, "embed", "output buffer smaller than (m, cols)");
  cl_kernel k = dev.kernel_by_key(matmul_key(kEmbed, table.dtype, table.cols, MatIn::Plain, false, false, false, false), [&] {
    return dev.kernel(kMatmulSrc, matmul_defines(dev, table.dtype, table.cols, 0), "embed_rows");
  });
  dev.set_args(k, table.buf, tokens, out);
  size_t global[2] = {size_t(table.cols / 32), size_t(m)};
  dev.launch(k, "embed_rows", 2, global, nullptr);
}

void rmsnorm(Device& dev, const Buffer& x, const Buffer& w, Buffer& y, int64_t m, int64_t n, float eps) {
  need(x.bytes() >= f32s(m * n) && y.bytes() >= f32s(m * n) && w.bytes() >= f32s(n), dev, "rmsnorm",
       "buffer smaller than (m, n)");
  cl_kernel k = dev.kernel_by_key(uint64_t(kRmsNorm) << 56, [&] { return dev.kernel(kElemSrc, elem_defines(dev), "rmsnorm"); });
  dev.set_args(k, x, w, y, to_int(n, dev, "rmsnorm"), eps);
  size_t local[2] = {size_t(dev.tuning().norm_wg), 1};
  size_t global[2] = {local[0], size_t(m)};
  dev.launch(k, "rmsnorm", 2, global, local);
}

void argmax_rows(Device& dev, const Buffer& x, Buffer& ids, int64_t m, int64_t n) {
  need(m >= 1 && n >= 1, dev, "argmax", "needs m >= 1 rows of n >= 1");
  need(x.bytes() >= f32s(m * n) && ids.bytes() >= size_t(m) * 4, dev, "argmax", "buffer smaller than (m, n) / (m)");
  const size_t wg = argmax_wg(dev);
  cl_kernel k = dev.kernel_by_key(uint64_t(kArgmax) << 56, [&] {
    return dev.kernel(kArgmaxSrc, "-DARGMAX_WG=" + std::to_string(wg), "argmax_rows");
  });
  dev.set_args(k, x, to_int(n, dev, "argmax"), ids);
  size_t local[2] = {wg, 1};
  size_t global[2] = {wg, size_t(m)};
  dev.launch(k, "argmax", 2, global, local);
}

void softmax(Device& dev, Buffer& x, int64_t rows, int64_t n) {
  need(x.bytes() >= f32s(rows * n), dev, "softmax", "buffer smaller than (rows, n)");
  cl_kernel k = dev.kernel_by_key(uint64_t(kSoftmax) << 56, [&] { return dev.kernel(kElemSrc, elem_defines(dev), "softmax_rows"); });
  dev.set_args(k, x, to_int(n, dev, "softmax"));
  size_t local[2] = {size_t(dev.tuning().norm_wg), 1};
  size_t global[2] = {local[0], size_t(rows)};
  dev.launch(k, "softmax_rows", 2, global, local);
}

void swiglu(Device& dev, const Buffer& gate, const Buffer& up, Buffer& out, int64_t n) {
  need(gate.bytes() >= f32s(n) && up.bytes() >= f32s(n) && out.bytes() >= f32s(n), dev, "swiglu", "buffer smaller than n");
  cl_kernel k = dev.kernel_by_key(uint64_t(kSwiGLU) << 56, [&] { return dev.kernel(kElemSrc, elem_defines(dev), "swiglu"); });
  dev.set_args(k, gate, up, out, to_int(n, dev, "swiglu"));
  size_t local = size_t(dev.tuning().elem_wg), global = round_up(n, local);
  dev.launch(k, "swiglu", 1, &global, &local);
}

void add(Device& dev, Buffer& x, const Buffer& y, int64_t n) {
  need(x.bytes() >= f32s(n) && y.bytes() >= f32s(n), dev, "add", "buffer smaller than n");
  cl_kernel k = dev.kernel_by_key(uint64_t(kAdd) << 56, [&] { return dev.kernel(kElemSrc, elem_defines(dev), "add_inplace"); });
  dev.set_args(k, x, y, to_int(n, dev, "add"));
  size_t local = size_t(dev.tuning().elem_wg), global = round_up(n, local);
  dev.launch(k, "add_inplace", 1, &global, &local);
}

void add_rows(Device& dev, Buffer& x, const Buffer& b, int64_t rows, int64_t n) {
  need(x.bytes() >= f32s(rows * n) && b.bytes() >= f32s(n), dev, "add_rows", "buffer smaller than (rows, n)");
  cl_kernel k = dev.kernel_by_key(uint64_t(kAddRows) << 56, [&] { return dev.kernel(kElemSrc, elem_defines(dev), "add_rows"); });
  int total = to_int(rows * n, dev, "add_rows");
  dev.set_args(k, x, b, to_int(n, dev, "add_rows"), total);
  size_t local = size_t(dev.tuning().elem_wg), global = round_up(total, local);
  dev.launch(k, "add_rows", 1, &global, &local);
}

std::vector<float> rope_inv_freq(int head_dim, double theta, const float* freq_factors) {
  std::vector<float> f(head_dim / 2);
  for (int i = 0; i < head_dim / 2; ++i) {
    double v = std::pow(theta, -2.0 * i / head_dim);
    if (freq_factors) v /= freq_factors[i];
    f[i] = static_cast<float>(v);
  }
  return f;
}

void rope(Device& dev, const LayerShape& s, Buffer& x, int64_t m, int nh, int64_t pos0, const Buffer& inv_freq) {
  need(x.bytes() >= f32s(m * nh * s.head_dim), dev, "rope", "buffer smaller than (m, heads, head_dim)");
  need(inv_freq.bytes() >= f32s(s.head_dim / 2), dev, "rope", "inv_freq smaller than head_dim/2");
  cl_kernel k = dev.kernel_by_key(layer_key(kRope, s), [&] { return dev.kernel(kLayerSrc, layer_defines(dev, s), "rope"); });
  dev.set_args(k, x, inv_freq, to_int(pos0, dev, "rope"));
  size_t global[3] = {size_t(s.head_dim / 2), size_t(nh), size_t(m)};
  dev.launch(k, "rope", 3, global, nullptr);
}

void rope_table(Device& dev, const LayerShape& s, Buffer& x, int64_t m, int nh, const Buffer& cs) {
  need(x.bytes() >= f32s(m * nh * s.head_dim), dev, "rope_table", "buffer smaller than (m, heads, head_dim)");
  need(cs.bytes() >= f32s(m * s.head_dim), dev, "rope_table", "table smaller than (m, head_dim/2, 2)");
  cl_kernel k = dev.kernel_by_key(layer_key(kRopeTable, s), [&] { return dev.kernel(kLayerSrc, layer_defines(dev, s), "rope_table"); });
  dev.set_args(k, x, cs);
  size_t global[3] = {size_t(s.head_dim / 2), size_t(nh), size_t(m)};
  dev.launch(k, "rope_table", 3, global, nullptr);
}

void kv_append(Device& dev, const LayerShape& s, const Buffer& src, Buffer& cache, int64_t n_past, int64_t m,
               int64_t n_ctx) {
  if (n_past < 0 || n_past + m > n_ctx)
    fail(dev, "kv_append", "cache full: " + std::to_string(n_past) + " + " + std::to_string(m) + " tokens > context " + std::to_string(n_ctx));
  int64_t row = int64_t(s.n_kv_heads) * s.head_dim;
  need(src.bytes() >= f32s(m * row), dev, "kv_append", "source smaller than (m, kv_heads, head_dim)");
  need(cache.bytes() >= size_t(n_ctx * row) * (s.kv_f16 ? 2 : 4), dev, "kv_append", "cache smaller than n_ctx rows");
  cl_kernel k = dev.kernel_by_key(layer_key(kKvAppend, s), [&] { return dev.kernel(kLayerSrc, layer_defines(dev, s), "kv_append"); });
  int count = to_int(m * row, dev, "kv_append");
  dev.set_args(k, src, cache, to_int(n_past, dev, "kv_append"), count);
  size_t local = size_t(dev.tuning().elem_wg), global = round_up(count, local);
  dev.launch(k, "kv_append", 1, &global, &local);
}

namespace {
void check_rope_kv(Device& dev, const LayerShape& s, const Buffer& q, const Buffer& k, const Buffer& v, const Buffer& cs,
                   const Buffer& k_cache, const Buffer& v_cache, int64_t n_past, int64_t m, int64_t n_ctx) {
  if (n_past < 0 || m < 1 || n_past + m > n_ctx)
    fail(dev, "rope_kv", "cache full: " + std::to_string(n_past) + " + " + std::to_string(m) + " tokens > context " + std::to_string(n_ctx));
  const int64_t row = int64_t(s.n_kv_heads) * s.head_dim;
  need(q.bytes() >= f32s(m * s.n_heads * s.head_dim), dev, "rope_kv", "q smaller than (m, heads, head_dim)");
  need(k.bytes() >= f32s(m * row) && v.bytes() >= f32s(m * row), dev, "rope_kv", "k/v smaller than (m, kv_heads, head_dim)");
  need(cs.bytes() >= f32s(m * s.head_dim), dev, "rope_kv", "table smaller than (m, head_dim/2, 2)");
  const size_t cache_bytes = size_t(n_ctx * row) * (s.kv_f16 ? 2 : 4);
  need(k_cache.bytes() >= cache_bytes && v_cache.bytes() >= cache_bytes, dev, "rope_kv", "cache smaller than n_ctx rows");
}
// What every attention launch reads and writes (q, out, the caches) against m tokens at n_past.
void check_attention_io(Device& dev, const LayerShape& s, const Buffer& q, const Buffer& k_cache, const Buffer& v_cache,
                        const Buffer& out, int64_t m, int64_t n_past, int64_t n_ctx) {
  need(n_past >= 0 && n_past + m <= n_ctx, dev, "attention", "n_past + m exceeds the context");
  need(q.bytes() >= f32s(m * s.n_heads * s.head_dim) && out.bytes() >= f32s(m * s.n_heads * s.head_dim), dev,
       "attention", "q/out smaller than (m, heads, head_dim)");
  size_t cache_bytes = size_t(n_ctx) * s.n_kv_heads * s.head_dim * (s.kv_f16 ? 2 : 4);
  need(k_cache.bytes() >= cache_bytes && v_cache.bytes() >= cache_bytes, dev, "attention", "cache smaller than n_ctx");
}
void check_attention(Device& dev, const LayerShape& s, const Buffer& q, const Buffer& k_cache, const Buffer& v_cache,
                     const Buffer& scratch, const Buffer& out, int64_t m, int64_t n_past, int64_t n_ctx) {
  check_attention_io(dev, s, q, k_cache, v_cache, out, m, n_past, n_ctx);
  need(scratch.bytes() >= f32s(attention_scratch_floats(s, m, n_ctx)), dev, "attention", "scratch too small");
}
float attention_scale(const LayerShape& s) { return 1.0f / std::sqrt(static_cast<float>(s.head_dim)); }
}  // namespace

void rope_kv(Device& dev, const LayerShape& s, Buffer& q, const Buffer& k, const Buffer& v, const Buffer& cs,
             Buffer& k_cache, Buffer& v_cache, int64_t n_past, int64_t m, int64_t n_ctx) {
  check_rope_kv(dev, s, q, k, v, cs, k_cache, v_cache, n_past, m, n_ctx);
  cl_kernel kk = dev.kernel_by_key(layer_key(kRopeKv, s), [&] { return dev.kernel(kLayerSrc, layer_defines(dev, s), "rope_kv"); });
  dev.set_args(kk, q, k, v, cs, k_cache, v_cache, to_int(n_past, dev, "rope_kv"));
  size_t global[3] = {size_t(s.head_dim / 2), size_t(s.n_heads + s.n_kv_heads), size_t(m)};
  dev.launch(kk, "rope_kv", 3, global, nullptr);
}

void rope_kv_bound(Device& dev, const LayerShape& s, Buffer& q, const Buffer& k, const Buffer& v, const Buffer& cs,
                   Buffer& k_cache, Buffer& v_cache, int64_t n_past, int64_t n_ctx, BoundLaunch& site) {
  if (!site.bound()) {
    check_rope_kv(dev, s, q, k, v, cs, k_cache, v_cache, n_past, 1, n_ctx);
    site.k_ = dev.create_kernel(kLayerSrc, layer_defines(dev, s), "rope_kv");
    dev.set_args(site.k_, q, k, v, cs, k_cache, v_cache, 0);
    site.name_ = "rope_kv";
    site.dims_ = 3;
    site.global_[0] = size_t(s.head_dim / 2), site.global_[1] = size_t(s.n_heads + s.n_kv_heads), site.global_[2] = 1;
    site.has_local_ = false;
  }
  if (n_past < 0 || n_past + 1 > n_ctx)
    fail(dev, "rope_kv", "cache full: " + std::to_string(n_past) + " + 1 tokens > context " + std::to_string(n_ctx));
  dev.set_arg_at(site.k_, 6, int(n_past));
  site.launch(dev);
}

void attention(Device& dev, const LayerShape& s, const Buffer& q, const Buffer& k_cache, const Buffer& v_cache,
               Buffer& scratch, Buffer& out, int64_t m, int64_t n_past, int64_t n_ctx) {
  check_attention(dev, s, q, k_cache, v_cache, scratch, out, m, n_past, n_ctx);
  cl_kernel k = dev.kernel_by_key(layer_key(kAttention, s), [&] { return dev.kernel(kLayerSrc, layer_defines(dev, s), "attention"); });
  dev.set_args(k, q, k_cache, v_cache, scratch, out, to_int(n_past, dev, "attention"), to_int(n_ctx, dev, "attention"),
               attention_scale(s));
  size_t local[3] = {size_t(dev.tuning().attn_wg), 1, 1};
  size_t global[3] = {local[0], size_t(s.n_heads), size_t(m)};
  dev.launch(k, "attention", 3, global, local);
}

void attention_bound(Device& dev, const LayerShape& s, const Buffer& q, const Buffer& k_cache, const Buffer& v_cache,
                     Buffer& scratch, Buffer& out, int64_t n_past, int64_t n_ctx, BoundLaunch& site) {
  if (!site.bound()) {
    check_attention(dev, s, q, k_cache, v_cache, scratch, out, 1, n_past, n_ctx);
    site.k_ = dev.create_kernel(kLayerSrc, layer_defines(dev, s), "attention");
    dev.set_args(site.k_, q, k_cache, v_cache, scratch, out, 0, to_int(n_ctx, dev, "attention"), attention_scale(s));
    site.name_ = "attention";
    site.dims_ = 3;
    site.local_[0] = size_t(dev.tuning().attn_wg), site.local_[1] = 1, site.local_[2] = 1;
    site.global_[0] = site.local_[0], site.global_[1] = size_t(s.n_heads), site.global_[2] = 1;
  }
  need(n_past >= 0 && n_past + 1 <= n_ctx, dev, "attention", "n_past + m exceeds the context");
  dev.set_arg_at(site.k_, 5, int(n_past));
  site.launch(dev);
}

namespace {
void check_attn_decode(Device& dev, const LayerShape& s, const Buffer& q, const Buffer& k, const Buffer& v,
                       const Buffer& cs, const Buffer& k_cache, const Buffer& v_cache, const Buffer& out, int64_t n_past,
                       int64_t n_ctx) {
  check_rope_kv(dev, s, q, k, v, cs, k_cache, v_cache, n_past, 1, n_ctx);
  need(out.bytes() >= f32s(s.n_heads * s.head_dim), dev, "attn_decode", "out smaller than (heads, head_dim)");
}
}  // namespace

void attn_decode(Device& dev, const LayerShape& s, const Buffer& q, const Buffer& k, const Buffer& v, const Buffer& cs,
                 Buffer& k_cache, Buffer& v_cache, Buffer& out, int64_t n_past, int64_t n_ctx) {
  check_attn_decode(dev, s, q, k, v, cs, k_cache, v_cache, out, n_past, n_ctx);
  cl_kernel kk =
      dev.kernel_by_key(layer_key(kAttnDecode, s), [&] { return dev.kernel(kLayerSrc, layer_defines(dev, s), "attn_decode"); });
  dev.set_args(kk, q, k, v, cs, k_cache, v_cache, out, to_int(n_past, dev, "attn_decode"), attention_scale(s));
  size_t local[3] = {size_t(attn_decode_wg(dev.tuning(), s.head_dim)), 1, 1};
  size_t global[3] = {local[0], size_t(s.n_heads), 1};
  dev.launch(kk, "attn_decode", 3, global, local);
}

void attention_rows(Device& dev, const LayerShape& s, const Buffer& q, const Buffer& k_cache, const Buffer& v_cache,
                    Buffer& out, int64_t m, int64_t n_past, int64_t n_ctx) {
  need(m >= 1, dev, "attention", "m must be >= 1");
  check_attention_io(dev, s, q, k_cache, v_cache, out, m, n_past, n_ctx);
  cl_kernel k =
      dev.kernel_by_key(layer_key(kAttnRows, s), [&] { return dev.kernel(kLayerSrc, layer_defines(dev, s), "attn_rows"); });
  dev.set_args(k, q, k_cache, v_cache, out, to_int(n_past, dev, "attention"), attention_scale(s));
  size_t local[3] = {size_t(attn_decode_wg(dev.tuning(), s.head_dim)), 1, 1};
  size_t global[3] = {local[0], size_t(s.n_heads), size_t(m)};
  dev.launch(k, "attn_rows", 3, global, local);
}

void attn_decode_bound(Device& dev, const LayerShape& s, const Buffer& q, const Buffer& k, const Buffer& v,
                       const Buffer& cs, Buffer& k_cache, Buffer& v_cache, Buffer& out, int64_t n_past, int64_t n_ctx,
                       BoundLaunch& site) {
  if (!site.bound()) {
    check_attn_decode(dev, s, q, k, v, cs, k_cache, v_cache, out, n_past, n_ctx);
    site.k_ = dev.create_kernel(kLayerSrc, layer_defines(dev, s), "attn_decode");
    dev.set_args(site.k_, q, k, v, cs, k_cache, v_cache, out, 0, attention_scale(s));
    site.name_ = "attn_decode";
    site.dims_ = 3;
    site.local_[0] = size_t(attn_decode_wg(dev.tuning(), s.head_dim)), site.local_[1] = 1, site.local_[2] = 1;
    site.global_[0] = site.local_[0], site.global_[1] = size_t(s.n_heads), site.global_[2] = 1;
  }
  if (n_past < 0 || n_past + 1 > n_ctx)
    fail(dev, "attn_decode", "cache full: " + std::to_string(n_past) + " + 1 tokens > context " + std::to_string(n_ctx));
  dev.set_arg_at(site.k_, 7, int(n_past));
  site.launch(dev);
}

}  // namespace hetspec::ocl
