// Parity of the OpenCL GEMV / GEMM / embedding kernels with the scalar reference: weights are
// quantized with quantize_row_ref, the oracle dequantizes them with dequantize_row_ref and sums in
// double, so the only difference allowed is float summation order (bounded by sum |w x|).
#include <cmath>
#include <filesystem>
#include <fstream>

#include "cl_matmul_support.hpp"
#include "cl_test_support.hpp"
#include "hetspec/engine/cpu/quant_blocks.hpp"
#include "hetspec/engine/opencl/ops.hpp"

using namespace hetspec;

namespace {

using test::Mat;
using test::make_mat;
using test::oracle;
using test::check_close;

struct Case {
  DType t;
  int64_t cols;  // one K per dtype keeps the number of PoCL compiles small
};
const Case kCases[] = {{DType::F32, 96}, {DType::F16, 160}, {DType::Q8_0, 256}, {DType::Q4_0, 64}, {DType::Q4_1, 320}};

// An integer-dot kernel (gemv_q8.cl's GEMV or GEMM, as dev's tuning picks) on every quantized dtype,
// K 320 and 512, 37 rows, the m given: equal to the oracle on x rounded to int8 per block, and not to
// the one on the exact x (so it is not the float kernel).
void check_int_dot(ocl::Device& dev, std::initializer_list<int64_t> ms, uint32_t& seed) {
  for (DType t : {DType::Q4_0, DType::Q4_1, DType::Q8_0}) {
    for (int64_t k : {320, 512}) {
      Mat w = make_mat(t, 37, k, seed++);
      ocl::ClWeight cw = ocl::upload_weight(dev, w.view());
      for (int64_t m : ms) {
        auto x = test::random_floats(size_t(m * k), seed++, -2.0f, 2.0f);
        ocl::Buffer xb = ocl::upload_f32(dev, x.data(), x.size());
        ocl::Buffer yb(dev, size_t(m * 37) * 4);
        ocl::matmul(dev, cw, xb, yb, m);
        auto y = ocl::download_f32(dev, yb, size_t(m * 37));
        std::vector<double> want, mag;
        oracle(w, test::round_x_q8(x), m, want, mag);
        INFO(dev.tuning().source << " " << dtype_name(t) << " k " << k << " m " << m);
        check_close(y, want, mag, 1e-4);
        std::vector<double> exact, mag2;
        oracle(w, x, m, exact, mag2);
        double diff = 0;
        for (size_t i = 0; i < y.size(); ++i) diff = std::max(diff, std::fabs(y[i] - exact[i]) / mag2[i]);
        CHECK(diff > 1e-6);
      }
    }
  }
}

}  // namespace

TEST_CASE("OpenCL matmul matches the scalar reference for every dtype, m = 1 and m > 1", "[opencl]") {
  HS_CL_TEST_DEVICE(dev);
  uint32_t seed = 1;
  for (const auto& c : kCases) {
    for (int64_t rows : {37, 130}) {
      Mat w = make_mat(c.t, rows, c.cols, seed++);
      ocl::ClWeight cw = ocl::upload_weight(dev, w.view());
      for (int64_t m : {1, 3, 11}) {
        SECTION(std::string(dtype_name(c.t)) + " rows " + std::to_string(rows) + " m " + std::to_string(m)) {
          auto x = test::random_floats(size_t(m * c.cols), seed + 100);
          ocl::Buffer xb = ocl::upload_f32(dev, x.data(), x.size());
          ocl::Buffer yb(dev, size_t(m * rows) * 4);
          ocl::matmul(dev, cw, xb, yb, m);
          auto y = ocl::download_f32(dev, yb, size_t(m * rows));
          std::vector<double> want, mag;
          // The device's own defaults: on NVIDIA a quantized batch runs the integer-dot GEMM.
          const bool q8 = test::runs_gemm_q8(dev, c.t, c.cols, m);
          oracle(w, q8 ? test::round_x_q8(x) : x, m, want, mag);
          check_close(y, want, mag, q8 ? 1e-4 : 2e-6 * std::sqrt(double(c.cols)));
        }
      }
    }
  }
}

TEST_CASE("OpenCL matmul is right under other tunings (GPU-like and odd row tiles)", "[opencl]") {
  HS_CL_TEST_DEVICE(dev0);
  // The shared device runs its own type's defaults; here the same device runs the tile shapes a GPU
  // or a tuning file would pick, so those code paths are checked on PoCL too (the float GEMM: the
  // integer-dot one has its own test below).
  const char* files[] = {
      "devices:\n  - match: \"*\"\n    mm_split: 4\n    gemv_lx: 32\n    gemv_rows: 2\n    gemv_groups: 4\n"
      "    gemm_lx: 32\n    gemm_rows: 4\n    gemm_tm: 8\n    gemm_q8: false\n",
      "devices:\n  - match: \"*\"\n    mm_split: 4\n    gemm_lx: 16\n    gemm_rows: 2\n    gemm_tm: 3\n"
      "    gemm_rpt: 3\n    gemv_max_m: 6\n    gemm_q8: false\n",  // m = 6 as six GEMVs in one launch, m = 13 the GEMM
      "devices:\n  - match: \"*\"\n    mm_split: 1\n    gemv_lx: 8\n    gemv_rows: 3\n    gemv_groups: 2\n"
      "    gemm_lx: 2\n    gemm_rows: 3\n    gemm_tm: 5\n    gemv_max_m: 6\n    gemm_q8: false\n",
      // GEMVs of K >= 320 (all of them here) in the wide tile: more lanes than units per row, 3 groups
      "devices:\n  - match: \"*\"\n    mm_split: 4\n    gemv_wide_k: 320\n    gemv_wide_lx: 64\n    gemv_wide_groups: 3\n"
      "    gemv_max_m: 6\n    gemm_q8: false\n",
      // GEMVs of N >= 64 rows in the tall tile (rows 64 here; 37 keep the default): 4 rows a group
      "devices:\n  - match: \"*\"\n    mm_split: 4\n    gemv_tall_n: 64\n    gemv_tall_lx: 16\n    gemv_tall_rows: 4\n"
      "    gemv_tall_groups: 3\n    gemv_max_m: 6\n    gemm_q8: false\n"};
  uint32_t seed = 900;
  for (const char* text : files) {
    std::string path = std::filesystem::temp_directory_path() / ("hetspec_tune_" + std::to_string(seed) + ".yaml");
    std::ofstream(path) << text;
    ocl::Device dev(dev0.info(), path);
    std::filesystem::remove(path);
    // Every dtype through the GPU path once; the other files check tile bounds on two dtypes (each
    // (tuning, dtype) pair is one more PoCL compile).
    std::vector<DType> types = {DType::Q4_1, DType::Q8_0};
    if (text == files[0]) types = {DType::F32, DType::F16, DType::Q8_0, DType::Q4_0, DType::Q4_1};
    for (DType t : types) {
      for (int64_t rows : {37, 64}) {
        Mat w = make_mat(t, rows, 320, seed++);  // 10 blocks: not a multiple of the work-group's lanes
        ocl::ClWeight cw = ocl::upload_weight(dev, w.view());
        for (int64_t m : {1, 6, 13}) {
          auto x = test::random_floats(size_t(m * 320), seed++);
          ocl::Buffer xb = ocl::upload_f32(dev, x.data(), x.size());
          ocl::Buffer yb(dev, size_t(m * rows) * 4);
          ocl::matmul(dev, cw, xb, yb, m);
          auto y = ocl::download_f32(dev, yb, size_t(m * rows));
          std::vector<double> want, mag;
          oracle(w, x, m, want, mag);
          INFO(dev.tuning().source << " " << dtype_name(t) << " rows " << rows << " m " << m);
          check_close(y, want, mag, 1e-4);
        }
      }
    }
  }
}

TEST_CASE("OpenCL integer-dot GEMV (gemv_q8) equals the reference on x rounded to int8", "[opencl]") {
  HS_CL_TEST_DEVICE(dev0);
  // gemv_q8.cl under tile shapes that leave a remainder of blocks (K 320 = 10 blocks over 8 or 4
  // lanes), none (K 512 = 16 over 8) and more lanes than blocks (16); m > 1 as GEMVs in one launch.
  // Its only difference from the float GEMV is x rounded to int8 per block, which the oracle does too.
  const char* files[] = {"    gemvq_lx: 8\n    gemvq_rows: 3\n    gemvq_groups: 2\n",
                         "    gemvq_lx: 4\n    gemvq_rows: 1\n    gemvq_groups: 4\n",
                         "    gemvq_lx: 16\n    gemvq_rows: 2\n    gemvq_groups: 1\n"};
  uint32_t seed = 1300;
  for (const char* shape : files)
    check_int_dot(*test::gpu_like_device(dev0, std::string("    gemv_q8: true\n    gemv_max_m: 4\n") + shape), {1, 3}, seed);
}

TEST_CASE("OpenCL gemv_q8_min_rows sends only matrices of that many rows to the integer-dot GEMV", "[opencl]") {
  HS_CL_TEST_DEVICE(dev0);
  auto dev = test::gpu_like_device(dev0, "    gemv_q8: true\n    gemv_q8_min_rows: 48\n");
  uint32_t seed = 1400;
  for (int64_t rows : {40, 48}) {  // below the bound: the float GEMV on exact x; at it: x rounded to int8
    Mat w = make_mat(DType::Q4_1, rows, 320, seed++);
    ocl::ClWeight cw = ocl::upload_weight(*dev, w.view());
    auto x = test::random_floats(320, seed++);
    ocl::Buffer xb = ocl::upload_f32(*dev, x.data(), x.size());
    ocl::Buffer yb(*dev, size_t(rows) * 4);
    ocl::matmul(*dev, cw, xb, yb, 1);
    const auto y = ocl::download_f32(*dev, yb, size_t(rows));
    std::vector<double> exact, mag, rounded, mag_r;
    oracle(w, x, 1, exact, mag);
    oracle(w, test::round_x_q8(x), 1, rounded, mag_r);
    INFO("rows " << rows);
    check_close(y, rows < 48 ? exact : rounded, mag, 1e-5);
    // ... and not the other one (x's rounding moves the dots by far more than the tolerance)
    double apart = 0;
    for (size_t i = 0; i < y.size(); ++i) apart = std::max(apart, std::fabs(y[i] - (rows < 48 ? rounded : exact)[i]) / (mag[i] + 1e-12));
    CHECK(apart > 1e-5);
  }
}

TEST_CASE("OpenCL integer-dot GEMM (gemm_q8) equals the reference on x rounded to int8", "[opencl]") {
  HS_CL_TEST_DEVICE(dev0);
  // gemv_q8.cl's quantize_x + gemm under GEMM tiles (gemm_lx / rows / tm / rpt) that leave a remainder
  // of blocks (K 320 = 10 blocks over 4 or 8 lanes), of rows (37 over 2 x 3, 4 x 1) and of tokens (m 13
  // over tiles of 3, 4 and 8), three row groups per work-group, and the block path (mm_split 1); the
  // scratch buffer grows from m 2 to 13 and K 320 to 512.
  const char* files[] = {"    gemm_lx: 4\n    gemm_rows: 2\n    gemm_tm: 3\n    gemm_rpt: 3\n",
                         "    gemm_lx: 8\n    gemm_rows: 4\n    gemm_tm: 4\n    gemm_rpt: 1\n",
                         "    gemm_lx: 2\n    gemm_rows: 3\n    gemm_tm: 8\n    gemm_rpt: 2\n",
                         "    mm_split: 1\n    gemm_lx: 4\n    gemm_rows: 2\n    gemm_tm: 4\n"};
  uint32_t seed = 1500;
  for (const char* shape : files)
    check_int_dot(*test::gpu_like_device(dev0, std::string("    gemm_q8: true\n    gemv_max_m: 1\n") + shape), {2, 13}, seed);
}

TEST_CASE("OpenCL gemv_row multiplies one row of an activation matrix", "[opencl]") {
  HS_CL_TEST_DEVICE(dev);
  Mat w = make_mat(DType::Q4_1, 50, 320, 77);
  ocl::ClWeight cw = ocl::upload_weight(dev, w.view());
  int64_t m = 4;
  auto x = test::random_floats(size_t(m * 320), 78);
  ocl::Buffer xb = ocl::upload_f32(dev, x.data(), x.size());
  ocl::Buffer yb(dev, 50 * 4);
  ocl::gemv_row(dev, cw, xb, 2, yb);
  auto y = ocl::download_f32(dev, yb, 50);
  std::vector<double> want, mag;
  oracle(w, x, m, want, mag);
  std::vector<double> want2(want.begin() + 100, want.begin() + 150), mag2(mag.begin() + 100, mag.begin() + 150);
  check_close(y, want2, mag2, 1e-4);
}

TEST_CASE("OpenCL embedding lookup equals dequantize_row_ref of the rows", "[opencl]") {
  HS_CL_TEST_DEVICE(dev);
  uint32_t seed = 500;
  for (const auto& c : kCases) {
    Mat w = make_mat(c.t, 41, c.cols, seed++);
    ocl::ClWeight cw = ocl::upload_weight(dev, w.view());
    std::vector<int32_t> toks = {0, 40, 7, 7, 19};
    ocl::Buffer tb(dev, toks.size() * 4);
    dev.write(tb, toks.data(), toks.size() * 4);
    ocl::Buffer out(dev, toks.size() * c.cols * 4);
    ocl::embed(dev, cw, tb, out, int64_t(toks.size()));
    auto y = ocl::download_f32(dev, out, toks.size() * c.cols);
    size_t bad = 0;
    for (size_t t = 0; t < toks.size(); ++t)
      for (int64_t k = 0; k < c.cols; ++k) {
        float want = w.deq[toks[t] * c.cols + k];
        if (std::fabs(y[t * c.cols + k] - want) > 1e-6f * (1 + std::fabs(want))) ++bad;
      }
    INFO(dtype_name(c.t));
    CHECK(bad == 0);
  }
}

TEST_CASE("OpenCL weights must have a supported dtype and a multiple-of-32 width", "[opencl]") {
  HS_CL_TEST_DEVICE(dev);
  std::vector<float> w(40 * 3, 0.5f);
  REQUIRE_THROWS_WITH(ocl::upload_weight(dev, WeightView{w.data(), DType::F32, 3, 40}, "blk.0.attn_q.weight"),
                      Catch::Contains("blk.0.attn_q.weight") && Catch::Contains("multiple of 32"));
  REQUIRE_THROWS_WITH(ocl::upload_weight(dev, WeightView{w.data(), DType::BF16, 3, 32}, "x"),
                      Catch::Contains("bf16") || Catch::Contains("BF16"));
}
