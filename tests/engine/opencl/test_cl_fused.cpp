// Parity of the fused OpenCL kernels a layer is made of (ops.hpp: matmul_ex, rope_kv) with the
// references they replace: RMSNorm or SwiGLU applied to the input as it is read, outputs split
// over Q/K/V (or gate/up) buffers, the residual added into Y, SwiGLU as the gate/up GEMV's epilogue,
// RoPE + KV append in one launch.
// Each runs under the device's own tuning and a GPU-like one, so both kernel paths are checked.
#include <algorithm>
#include <cmath>
#include <memory>

#include "cl_matmul_support.hpp"
#include "cl_test_support.hpp"
#include "hetspec/core/fp16.hpp"
#include "hetspec/engine/opencl/ops.hpp"

using namespace hetspec;

namespace {

// x (m, k) rows normalised as rmsnorm does, times the norm weight g (k).
std::vector<float> rmsnorm_ref(const std::vector<float>& x, const std::vector<float>& g, int64_t m, int64_t k,
                               float eps) {
  std::vector<float> y(x.size());
  for (int64_t t = 0; t < m; ++t) {
    double ss = 0;
    for (int64_t j = 0; j < k; ++j) ss += double(x[t * k + j]) * x[t * k + j];
    const double r = 1.0 / std::sqrt(ss / double(k) + eps);
    for (int64_t j = 0; j < k; ++j) y[t * k + j] = float(x[t * k + j] * r * g[j]);
  }
  return y;
}

}  // namespace

TEST_CASE("OpenCL fused matmul: RMSNorm / SwiGLU input, split outputs and residual add match the reference",
          "[opencl]") {
  HS_CL_TEST_DEVICE(dev0);
  auto dev1 = test::gpu_like_device(dev0);
  auto dev2 = test::gpu_like_device(dev0, "    gemv_max_m: 8\n");  // m = 5 as five GEMVs in one launch
  // ... and through the integer-dot GEMV (gemv_q8.cl), whose oracle takes x rounded to int8.
  auto dev3 = test::gpu_like_device(dev0, "    gemv_max_m: 8\n    gemv_q8: true\n    gemvq_lx: 4\n    gemvq_rows: 3\n"
                                          "    gemvq_groups: 2\n");
  // ... and the integer-dot GEMM (m = 5 as the GEMM: quantize_x's RMSNorm / SwiGLU, then gemm), two tiles.
  auto dev4 = test::gpu_like_device(dev0, "    gemv_max_m: 1\n    gemv_q8: true\n    gemm_q8: true\n    gemvq_lx: 4\n"
                                          "    gemm_lx: 4\n    gemm_rows: 2\n    gemm_tm: 4\n    gemm_rpt: 2\n");
  auto dev5 = test::gpu_like_device(dev0, "    gemv_max_m: 1\n    gemv_q8: true\n    gemm_q8: true\n    gemm_lx: 4\n"
                                          "    gemm_rows: 3\n    gemm_tm: 2\n    gemm_rpt: 1\n");
  std::vector<ocl::Device*> devs = {&dev0, dev1.get(), dev2.get(), dev3.get(), dev4.get(), dev5.get()};
  std::vector<const ocl::Device*> q8_devs = {dev3.get(), dev4.get(), dev5.get()};
  // Warp-shuffle row sums (inline PTX: NVIDIA only): one warp per row group, two, and four, the float
  // GEMV, the GEMM and the integer-dot GEMV (whose x quantization and norm sums are shared by the work-group).
  std::vector<std::unique_ptr<ocl::Device>> shfl;
  auto add = [&](const std::string& lines, bool q8) {
    devs.push_back(shfl.emplace_back(test::gpu_like_device(dev0, "    ptx_asm: true\n" + lines)).get());
    if (q8) q8_devs.push_back(devs.back());
  };
  if (dev0.info().vendor.find("NVIDIA") != std::string::npos) {
    const std::string gemv = "    gemv_max_m: 8\n    warp_shuffle: true\n";
    add(gemv + "    gemv_lx: 32\n    gemv_rows: 3\n    gemv_groups: 2\n", false);
    add(gemv + "    gemv_lx: 64\n    gemv_rows: 2\n    gemv_groups: 2\n", false);
    add(gemv + "    gemv_lx: 128\n    gemv_rows: 1\n    gemv_groups: 1\n", false);
    // ... and the GEMM's (m = 5 as the GEMM: gemv_max_m 1), two warps and one per row.
    const std::string gemm = "    gemv_max_m: 1\n    gemm_warp_shuffle: true\n";
    add(gemm + "    gemm_lx: 64\n    gemm_rows: 2\n    gemm_tm: 4\n    gemm_rpt: 2\n", false);
    add(gemm + "    gemm_lx: 32\n    gemm_rows: 2\n    gemm_tm: 3\n    gemm_rpt: 3\n", false);
    const std::string q8 = gemv + "    gemv_q8: true\n";
    add(q8 + "    gemvq_lx: 32\n    gemvq_rows: 3\n    gemvq_groups: 2\n", true);
    add(q8 + "    gemvq_lx: 64\n    gemvq_rows: 2\n    gemvq_groups: 1\n", true);
    // ... and the integer-dot GEMM's, one warp and two per row group.
    const std::string gq8 = gemm + "    gemv_q8: true\n    gemm_q8: true\n";
    add(gq8 + "    gemm_lx: 32\n    gemm_rows: 2\n    gemm_tm: 3\n    gemm_rpt: 3\n", true);
    add(gq8 + "    gemm_lx: 64\n    gemm_rows: 2\n    gemm_tm: 4\n    gemm_rpt: 2\n", true);
  } else {
    WARN("warp_shuffle (inline PTX) is checked on NVIDIA devices only; this device is " << dev0.label());
  }
  const int64_t k = 320, rows = 37, seg[3] = {16, 13, 8};  // 10 blocks; 37 rows over three outputs
  const float eps = 1e-5f;
  uint32_t seed = 4000;
  for (ocl::Device* dev : devs) {
    const bool q8 = std::find(q8_devs.begin(), q8_devs.end(), dev) != q8_devs.end();
    auto xin = [&](const std::vector<float>& v) { return q8 ? test::round_x_q8(v) : v; };
    for (DType t : {DType::Q4_1, DType::Q8_0}) {
      test::Mat w = test::make_mat(t, rows, k, seed++);
      ocl::ClWeight cw = ocl::upload_weight(*dev, w.view());
      for (int64_t m : {1, 5}) {
        INFO(dev->tuning().source << " " << dtype_name(t) << " m " << m);
        // RMSNorm input from row 1 of X (x_row), output rows split over three buffers.
        {
          auto x = test::random_floats(size_t((m + 1) * k), seed++, -2.0f, 2.0f);  // (m + 1, k)
          auto g = test::random_floats(size_t(k), seed++, 0.5f, 1.5f);
          ocl::Buffer xb = ocl::upload_f32(*dev, x.data(), x.size()), gb = ocl::upload_f32(*dev, g.data(), g.size());
          ocl::Buffer y0(*dev, size_t(m * seg[0]) * 4), y1(*dev, size_t(m * seg[1]) * 4), y2(*dev, size_t(m * seg[2]) * 4);
          ocl::MatmulEx a;
          a.x = &xb;
          a.x_row = 1;
          a.in = ocl::MatIn::RmsNorm;
          a.aux = &gb;
          a.eps = eps;
          a.y[0] = &y0, a.y[1] = &y1, a.y[2] = &y2;
          for (int j = 0; j < 3; ++j) a.seg[j] = seg[j];
          ocl::matmul_ex(*dev, cw, a, m);
          std::vector<float> xs(x.begin() + k, x.end());
          std::vector<double> want, mag;
          test::oracle(w, xin(rmsnorm_ref(xs, g, m, k, eps)), m, want, mag);
          const std::vector<float> got[3] = {ocl::download_f32(*dev, y0, size_t(m * seg[0])),
                                             ocl::download_f32(*dev, y1, size_t(m * seg[1])),
                                             ocl::download_f32(*dev, y2, size_t(m * seg[2]))};
          std::vector<float> all(size_t(m * rows));  // back to (m, rows)
          for (int64_t i = 0; i < m; ++i)
            for (int64_t r = 0, j = 0, off = 0; r < rows; ++r) {
              if (r - off >= seg[j]) off += seg[j++];
              all[size_t(i * rows + r)] = got[j][size_t(i * seg[j] + r - off)];
            }
          test::check_close(all, want, mag, q8 ? 3e-4 : 1e-4);  // (q8: x * g rounded, then 1 / rms)
        }
        // SwiGLU input (X the gate, aux the up projection), the result added into Y; then the plain
        // input added into Y (the output projection's residual).
        for (ocl::MatIn in : {ocl::MatIn::SwiGLU, ocl::MatIn::Plain}) {
          auto gate = test::random_floats(size_t(m * k), seed++, -3.0f, 3.0f);
          auto up = test::random_floats(size_t(m * k), seed++);
          auto y_in = test::random_floats(size_t(m * rows), seed++);
          ocl::Buffer gb = ocl::upload_f32(*dev, gate.data(), gate.size()), ub = ocl::upload_f32(*dev, up.data(), up.size());
          ocl::Buffer yb = ocl::upload_f32(*dev, y_in.data(), y_in.size());
          ocl::MatmulEx a;
          a.x = &gb;
          a.in = in;
          a.aux = in == ocl::MatIn::SwiGLU ? &ub : nullptr;
          a.y[0] = &yb;
          a.accumulate = true;
          ocl::matmul_ex(*dev, cw, a, m);
          std::vector<float> xs(gate);
          if (in == ocl::MatIn::SwiGLU)
            for (size_t i = 0; i < xs.size(); ++i) xs[i] = float(gate[i] / (1.0 + std::exp(-double(gate[i]))) * up[i]);
          std::vector<double> want, mag;
          test::oracle(w, xin(xs), m, want, mag);
          for (size_t i = 0; i < want.size(); ++i) {
            want[i] += y_in[i];
            mag[i] += std::fabs(y_in[i]);
          }
          INFO((in == ocl::MatIn::SwiGLU ? "swiglu" : "plain") << " + residual");
          test::check_close(ocl::download_f32(*dev, yb, size_t(m * rows)), want, mag, 1e-4);
        }
      }
    }
  }
}

TEST_CASE("OpenCL GEMV with the SwiGLU epilogue equals silu(gate) * up of the reference dots", "[opencl]") {
  HS_CL_TEST_DEVICE(dev0);
  // The device's own tuning (the block path, 4 rows = 2 outputs per group), GPU-like unit paths with 2
  // and 4 rows per group (1 and 2 outputs) and m = 3 as GEMVs in one launch, and NVIDIA's warp shuffles.
  std::vector<std::unique_ptr<ocl::Device>> own;
  std::vector<ocl::Device*> devs = {&dev0};
  auto add = [&](const std::string& lines) { devs.push_back(own.emplace_back(test::gpu_like_device(dev0, lines)).get()); };
  add("    gemv_rows: 2\n    gemv_max_m: 4\n");
  add("    gemv_rows: 4\n    gemv_lx: 8\n    gemv_groups: 3\n    gemv_max_m: 4\n");
  add("    gemv_tall_n: 16\n    gemv_tall_rows: 6\n    gemv_tall_lx: 4\n    gemv_tall_groups: 2\n    gemv_max_m: 4\n");
  if (dev0.info().vendor.find("NVIDIA") != std::string::npos) {
    add("    ptx_asm: true\n    warp_shuffle: true\n    gemv_lx: 64\n    gemv_rows: 2\n    gemv_groups: 2\n    gemv_max_m: 4\n");
    add("    ptx_asm: true\n    warp_shuffle: true\n    gemv_lx: 32\n    gemv_rows: 4\n    gemv_groups: 1\n    gemv_max_m: 4\n");
  }
  const int64_t k = 320, f = 13;  // 10 blocks; 13 outputs: a partial last row group
  const float eps = 1e-5f;
  uint32_t seed = 4300;
  for (ocl::Device* dev : devs) {
    for (DType t : {DType::Q4_1, DType::Q4_0, DType::Q8_0, DType::F16}) {
      test::Mat w = test::make_mat(t, 2 * f, k, seed++);  // [gate; up]
      ocl::ClWeight cw = ocl::upload_weight(*dev, w.view());
      for (int64_t m : {int64_t(1), int64_t(3)}) {
        if (m > dev->tuning().gemv_max_m) continue;  // a batch past the GEMVs has no epilogue (checked below)
        if (!ocl::matmul_glu_runs(*dev, cw, m)) {
          FAIL_CHECK(dev->tuning().source << ": the SwiGLU epilogue does not run for m " << m);
          continue;
        }
        for (ocl::MatIn in : {ocl::MatIn::Plain, ocl::MatIn::RmsNorm}) {
          INFO(dev->tuning().source << " " << dtype_name(t) << " m " << m << (in == ocl::MatIn::RmsNorm ? " rmsnorm" : " plain"));
          auto x = test::random_floats(size_t(m * k), seed++, -2.0f, 2.0f);
          auto g = test::random_floats(size_t(k), seed++, 0.5f, 1.5f);
          ocl::Buffer xb = ocl::upload_f32(*dev, x.data(), x.size()), gb = ocl::upload_f32(*dev, g.data(), g.size());
          ocl::Buffer yb(*dev, size_t(m * f) * 4);
          ocl::MatmulEx a;
          a.x = &xb;
          a.in = in;
          a.aux = in == ocl::MatIn::RmsNorm ? &gb : nullptr;
          a.eps = eps;
          a.y[0] = &yb;
          a.seg[0] = f, a.seg[1] = f;
          a.glu = true;
          ocl::matmul_ex(*dev, cw, a, m);
          std::vector<double> dots, mags;
          test::oracle(w, in == ocl::MatIn::RmsNorm ? rmsnorm_ref(x, g, m, k, eps) : x, m, dots, mags);
          std::vector<double> want(size_t(m * f)), mag(size_t(m * f));
          for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < f; ++j) {
              const double ga = dots[size_t(i * 2 * f + j)], u = dots[size_t(i * 2 * f + f + j)];
              const double s = ga / (1.0 + std::exp(-ga));
              want[size_t(i * f + j)] = s * u;
              // |d silu| <= 1.1: the error of each dot carried through the product
              mag[size_t(i * f + j)] = 1.1 * std::fabs(u) * mags[size_t(i * 2 * f + j)] + std::fabs(s) * mags[size_t(i * 2 * f + f + j)];
            }
          test::check_close(ocl::download_f32(*dev, yb, size_t(m * f)), want, mag, 1e-4);
        }
      }
    }
  }
  // Misuse: an accumulate, a second output, or a batch past the GEMVs.
  ocl::Device& dev = *devs[1];
  test::Mat w = test::make_mat(DType::Q8_0, 2 * f, 64, 4399);
  ocl::ClWeight cw = ocl::upload_weight(dev, w.view());
  ocl::Buffer xb(dev, 8 * 64 * 4), yb(dev, 8 * f * 4);
  ocl::MatmulEx a;
  a.x = &xb;
  a.y[0] = &yb;
  a.seg[0] = f, a.seg[1] = f;
  a.glu = true;
  a.accumulate = true;
  REQUIRE_THROWS_WITH(ocl::matmul_ex(dev, cw, a, 1), Catch::Contains("SwiGLU epilogue"));
  a.accumulate = false;
  a.y[1] = &yb;
  REQUIRE_THROWS_WITH(ocl::matmul_ex(dev, cw, a, 1), Catch::Contains("SwiGLU epilogue"));
  a.y[1] = nullptr;
  REQUIRE_THROWS_WITH(ocl::matmul_ex(dev, cw, a, 8), Catch::Contains("SwiGLU epilogue"));
  REQUIRE_NOTHROW(ocl::matmul_ex(dev, cw, a, 4));
}

TEST_CASE("OpenCL fused matmul rejects segments that do not cover the rows and a missing aux", "[opencl]") {
  HS_CL_TEST_DEVICE(dev);
  test::Mat w = test::make_mat(DType::Q8_0, 10, 64, 4100);
  ocl::ClWeight cw = ocl::upload_weight(dev, w.view());
  ocl::Buffer xb(dev, 64 * 4), yb(dev, 10 * 4);
  ocl::MatmulEx a;
  a.x = &xb;
  a.y[0] = &yb, a.y[1] = &yb;
  a.seg[0] = 4, a.seg[1] = 4;
  REQUIRE_THROWS_WITH(ocl::matmul_ex(dev, cw, a, 1), Catch::Contains("segments"));
  a.seg[1] = 6;
  a.in = ocl::MatIn::RmsNorm;
  REQUIRE_THROWS_WITH(ocl::matmul_ex(dev, cw, a, 1), Catch::Contains("aux"));
}

TEST_CASE("OpenCL rope_kv equals rope_table on q and k followed by kv_append", "[opencl]") {
  HS_CL_TEST_DEVICE(dev);
  for (bool neox : {false, true}) {
    ocl::LayerShape s;
    s.head_dim = 8, s.n_heads = 4, s.n_kv_heads = 2, s.kv_f16 = !neox, s.rope_neox = neox;
    const int64_t m = 3, n_past = 2, n_ctx = 8, qd = s.n_heads * s.head_dim, kvd = s.n_kv_heads * s.head_dim;
    auto q = test::random_floats(size_t(m * qd), 4200 + neox), k = test::random_floats(size_t(m * kvd), 4210 + neox);
    auto v = test::random_floats(size_t(m * kvd), 4220 + neox);
    auto ang = test::random_floats(size_t(m * s.head_dim / 2), 4230 + neox, -3.0f, 3.0f);
    std::vector<float> cs(size_t(m * s.head_dim));  // (m, head_dim/2, 2)
    for (size_t i = 0; i < ang.size(); ++i) cs[2 * i] = std::cos(ang[i]), cs[2 * i + 1] = std::sin(ang[i]);
    const size_t cache_bytes = size_t(n_ctx * kvd) * (s.kv_f16 ? 2 : 4);
    ocl::Buffer csb = ocl::upload_f32(dev, cs.data(), cs.size());
    // Reference: the three separate ops.
    ocl::Buffer q0 = ocl::upload_f32(dev, q.data(), q.size()), k0 = ocl::upload_f32(dev, k.data(), k.size());
    ocl::Buffer v0 = ocl::upload_f32(dev, v.data(), v.size()), kc0(dev, cache_bytes), vc0(dev, cache_bytes);
    ocl::rope_table(dev, s, q0, m, s.n_heads, csb);
    ocl::rope_table(dev, s, k0, m, s.n_kv_heads, csb);
    ocl::kv_append(dev, s, k0, kc0, n_past, m, n_ctx);
    ocl::kv_append(dev, s, v0, vc0, n_past, m, n_ctx);
    // Fused.
    ocl::Buffer q1 = ocl::upload_f32(dev, q.data(), q.size()), k1 = ocl::upload_f32(dev, k.data(), k.size());
    ocl::Buffer v1 = ocl::upload_f32(dev, v.data(), v.size()), kc1(dev, cache_bytes), vc1(dev, cache_bytes);
    ocl::rope_kv(dev, s, q1, k1, v1, csb, kc1, vc1, n_past, m, n_ctx);
    INFO((neox ? "neox, f32 cache" : "llama, f16 cache"));
    auto qa = ocl::download_f32(dev, q0, q.size()), qb = ocl::download_f32(dev, q1, q.size());
    for (size_t i = 0; i < qa.size(); ++i) CHECK(std::fabs(qa[i] - qb[i]) <= 1e-6f);
    // Cache rows [n_past, n_past + m) as floats (f16 entries may differ by one rounding step where a
    // compiler contracts the rotation differently).
    auto rows_of = [&](const ocl::Buffer& b) {
      std::vector<float> out(size_t(m * kvd));
      if (s.kv_f16) {
        std::vector<uint16_t> h(size_t(n_ctx * kvd));
        dev.read(b, h.data(), h.size() * 2);
        for (size_t i = 0; i < out.size(); ++i) out[i] = fp16_to_fp32(h[size_t(n_past * kvd) + i]);
      } else {
        std::vector<float> f(size_t(n_ctx * kvd));
        dev.read(b, f.data(), f.size() * 4);
        std::copy(f.begin() + n_past * kvd, f.begin() + (n_past + m) * kvd, out.begin());
      }
      return out;
    };
    for (auto [a, b] : {std::pair{&kc0, &kc1}, std::pair{&vc0, &vc1}}) {
      auto ra = rows_of(*a), rb = rows_of(*b);
      for (size_t i = 0; i < ra.size(); ++i) CHECK(std::fabs(ra[i] - rb[i]) <= 1e-3f * (1 + std::fabs(ra[i])));
    }
  }
}
