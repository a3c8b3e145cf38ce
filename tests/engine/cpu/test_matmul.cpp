// Every matmul path this CPU supports vs the scalar reference matmul_ref, per dtype, over random
// shapes (k multiples of 32, odd n, m in {1,2,3,5,8,16,33}); plus the threaded dispatcher.
// Must build in the kernels-only cross build (no other modules).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "hetspec/core/fp16.hpp"
#include "hetspec/engine/cpu/matmul.hpp"
#include "hetspec/engine/cpu/quant_blocks.hpp"
#include "hetspec/engine/cpu/repack.hpp"
#include "hetspec/engine/cpu/thread_pool.hpp"
#include "support/skip.hpp"

using namespace hetspec;

namespace {

struct Mat {
  std::vector<uint8_t> bytes;
  WeightView view;
};

Mat random_weights(DType t, int64_t n, int64_t k, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  Mat m;
  m.bytes.resize(row_bytes(t, k) * n + 64);
  std::vector<float> row(k);
  for (int64_t r = 0; r < n; ++r) {
    const float scale = (r % 5 == 0) ? 4.0f : 0.5f;  // rows of different magnitude
    for (auto& v : row) v = u(rng) * scale + (t == DType::Q4_1 ? 0.3f : 0.0f);
    quantize_row_ref(t, row.data(), m.bytes.data() + r * row_bytes(t, k), k);
  }
  m.view = {m.bytes.data(), t, n, k};
  return m;
}

std::vector<float> random_x(int64_t m, int64_t k, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> x(m * k);
  for (int64_t i = 0; i < m * k; ++i) x[i] = u(rng) * ((i / 32) % 7 == 3 ? 10.0f : 1.0f);  // outlier blocks
  return x;
}

bool quantized(DType t) { return t == DType::Q8_0 || t == DType::Q4_0 || t == DType::Q4_1; }

// Checks y (m, n) against the reference with a bound per output: activation quantization error
// (≤ half a step of each block's 8-bit scale, Cauchy–Schwarz with the dequantized weight row) plus
// f32 accumulation error.
void check_against_ref(const WeightView& w, const std::vector<float>& x, const std::vector<float>& y,
                       int64_t m, const std::string& what) {
  const int64_t n = w.rows, k = w.cols;
  double worst = 0;  // largest err / tol
  std::vector<float> ref(m * n), row(k);
  matmul_ref(w, x.data(), ref.data(), m);
  for (int64_t r = 0; r < n; ++r) {
    dequantize_row_ref(w.dtype, w.row(r), row.data(), k);
    double wnorm = 0;
    for (float v : row) wnorm += double(v) * v;
    wnorm = std::sqrt(wnorm);
    for (int64_t i = 0; i < m; ++i) {
      const float* xi = x.data() + i * k;
      double abs_sum = 0, dx2 = 0;
      for (int64_t j = 0; j < k; ++j) abs_sum += std::fabs(double(row[j]) * xi[j]);
      double s_err = 0;  // Q4_1: llama.cpp rounds the block sum term s to f16
      if (quantized(w.dtype)) {
        for (int64_t b = 0; b < k / 32; ++b) {
          double amax = 0, asum = 0;
          for (int j = 0; j < 32; ++j) {
            amax = std::max(amax, std::fabs(double(xi[b * 32 + j])));
            asum += std::fabs(double(xi[b * 32 + j]));
          }
          // |x - d_f16·q| <= half a step + the f16 rounding of d times |q| <= 127
          dx2 += 32 * std::pow(amax / 254.0 + amax / 2048.0, 2);
          if (w.dtype == DType::Q4_1) {
            const auto* blk = reinterpret_cast<const BlockQ4_1*>(w.row(r)) + b;
            s_err += std::fabs(fp16_to_fp32(blk->m)) * (asum + 16 * amax / 127.0) / 2048.0;
          }
        }
      }
      const double tol = 1.01 * wnorm * std::sqrt(dx2) + s_err + 2e-5 * abs_sum + 1e-6;
      const double err = std::fabs(double(y[i * n + r]) - ref[i * n + r]);
      worst = std::max(worst, err / tol);
      if (!(err <= tol)) {
        INFO(what << " row " << r << " x-row " << i << ": got " << y[i * n + r] << " ref " << ref[i * n + r]
                  << " err " << err << " tol " << tol);
        CHECK(err <= tol);
        return;
      }
    }
  }
  INFO(what);
  CHECK(worst <= 1.0);
}

}  // namespace

TEST_CASE("matmul: every supported path matches the scalar reference", "[kernels]") {
  std::mt19937 rng(1234);
  const std::vector<int64_t> ms = {1, 2, 3, 5, 8, 16, 33};
  struct Shape { int64_t n, k; };
  const std::vector<Shape> shapes = {{1, 32}, {7, 96}, {37, 160}, {129, 64}, {33, 576}, {5, 2048}};
  for (CpuPath p : supported_cpu_paths()) {
    for (DType t : {DType::F32, DType::F16, DType::BF16, DType::Q8_0, DType::Q4_0, DType::Q4_1}) {
      for (const Shape& s : shapes) {
        const int64_t k = quantized(t) ? s.k : s.k + 13;  // float rows: also lengths off the vector width
        Mat w = random_weights(t, s.n, k, rng);
        for (int64_t m : ms) {
          std::vector<float> x = random_x(m, k, rng), y(m * s.n, NAN);
          matmul_path(p, w.view, x.data(), y.data(), m);
          check_against_ref(w.view, x, y, m,
                            std::string(cpu_path_name(p)) + " " + dtype_name(t) + " n=" + std::to_string(s.n) +
                                " k=" + std::to_string(k) + " m=" + std::to_string(m));
        }
      }
    }
  }
}

// llama.cpp's quantized dot, written out: activations to 8 bits per block (d = amax/127 stored as
// f16, q = nearest-even(x·127/amax), Q8_1's s = f16(d·Σq)), then per block d_w·d_x·Σ(w_q·x_q) (+ m·s
// for Q4_1). Every path must agree with it up to f32 summation order.
double llama_dot(const WeightView& w, int64_t r, const float* x) {
  const int64_t nb = w.cols / 32;
  double acc = 0;
  for (int64_t b = 0; b < nb; ++b) {
    const float* xb = x + b * 32;
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(xb[j]));
    const float d = amax / 127.0f, id = amax != 0 ? 127.0f / amax : 0.0f;
    int q[32], sum = 0;
    for (int j = 0; j < 32; ++j) { q[j] = static_cast<int>(std::nearbyint(xb[j] * id)); sum += q[j]; }
    const double dx = fp16_to_fp32(fp32_to_fp16(d)), sx = fp16_to_fp32(fp32_to_fp16(d * static_cast<float>(sum)));
    int64_t isum = 0;
    if (w.dtype == DType::Q4_1) {
      const auto* blk = reinterpret_cast<const BlockQ4_1*>(w.row(r)) + b;
      for (int j = 0; j < 16; ++j) isum += (blk->qs[j] & 15) * q[j] + (blk->qs[j] >> 4) * q[j + 16];
      acc += fp16_to_fp32(blk->d) * dx * isum + fp16_to_fp32(blk->m) * sx;
    } else if (w.dtype == DType::Q4_0) {
      const auto* blk = reinterpret_cast<const BlockQ4_0*>(w.row(r)) + b;
      for (int j = 0; j < 16; ++j) isum += ((blk->qs[j] & 15) - 8) * q[j] + ((blk->qs[j] >> 4) - 8) * q[j + 16];
      acc += fp16_to_fp32(blk->d) * dx * isum;
    } else {
      const auto* blk = reinterpret_cast<const BlockQ8_0*>(w.row(r)) + b;
      for (int j = 0; j < 32; ++j) isum += blk->qs[j] * q[j];
      acc += fp16_to_fp32(blk->d) * dx * isum;
    }
  }
  return acc;
}

TEST_CASE("matmul: quantized paths compute llama.cpp's Q8 activation dot", "[kernels]") {
  std::mt19937 rng(5);
  for (CpuPath p : supported_cpu_paths()) {
    for (DType t : {DType::Q8_0, DType::Q4_0, DType::Q4_1}) {
      for (int64_t k : {32, 160, 576}) {
        Mat w = random_weights(t, 23, k, rng);
        for (int64_t m : {1, 2, 5}) {
          std::vector<float> x = random_x(m, k, rng), y(m * 23);
          matmul_path(p, w.view, x.data(), y.data(), m);
          std::vector<float> row(k);
          double worst = 0;
          for (int64_t r = 0; r < 23; ++r) {
            dequantize_row_ref(t, w.view.row(r), row.data(), k);
            for (int64_t i = 0; i < m; ++i) {
              double scale = 0;
              for (int64_t j = 0; j < k; ++j) scale += std::fabs(double(row[j]) * x[i * k + j]);
              const double err = std::fabs(y[i * 23 + r] - llama_dot(w.view, r, x.data() + i * k));
              worst = std::max(worst, err / (1e-5 * scale + 1e-6));
            }
          }
          INFO(cpu_path_name(p) << " " << dtype_name(t) << " k=" << k << " m=" << m);
          CHECK(worst <= 1.0);
        }
      }
    }
  }
}

TEST_CASE("matmul: the thread pool gives the same bits as one thread", "[kernels]") {
  std::mt19937 rng(7);
  ThreadPool pool(3);
  for (CpuPath p : supported_cpu_paths()) {
    for (DType t : {DType::F16, DType::Q8_0, DType::Q4_1}) {
      Mat w = random_weights(t, 301, 256, rng);
      for (int64_t m : {1, 5, 33}) {
        std::vector<float> x = random_x(m, 256, rng), y1(m * 301), y2(m * 301);
        matmul_path(p, w.view, x.data(), y1.data(), m);
        matmul_path(p, w.view, x.data(), y2.data(), m, &pool);
        INFO(cpu_path_name(p) << " " << dtype_name(t) << " m=" << m);
        CHECK(y1 == y2);
      }
    }
  }
}

TEST_CASE("matmul_many: several weights on one input equal separate matmuls", "[kernels]") {
  std::mt19937 rng(11);
  ThreadPool pool(2);
  Mat a = random_weights(DType::Q4_1, 57, 128, rng), b = random_weights(DType::Q8_0, 19, 128, rng),
      c = random_weights(DType::F16, 33, 128, rng);
  const WeightView ws[3] = {a.view, b.view, c.view};
  for (CpuPath p : supported_cpu_paths()) {
    for (int64_t m : {1, 6}) {
      std::vector<float> x = random_x(m, 128, rng);
      std::vector<float> ya(m * 57), yb(m * 19), yc(m * 33), za(m * 57), zb(m * 19), zc(m * 33);
      float* ys[3] = {ya.data(), yb.data(), yc.data()};
      matmul_many_path(p, ws, ys, 3, x.data(), m, &pool);
      matmul_path(p, a.view, x.data(), za.data(), m);
      matmul_path(p, b.view, x.data(), zb.data(), m);
      matmul_path(p, c.view, x.data(), zc.data(), m);
      INFO(cpu_path_name(p) << " m=" << m);
      CHECK(ya == za);
      CHECK(yb == zb);
      CHECK(yc == zc);
    }
  }
  Mat other_k = random_weights(DType::Q4_1, 3, 64, rng);
  WeightView bad[2] = {a.view, other_k.view};
  std::vector<float> x(128), y1(57), y2(3);
  float* ys[2] = {y1.data(), y2.data()};
  CHECK_THROWS(matmul_many(bad, ys, 2, x.data(), 1));
}

TEST_CASE("repack: the X8 layout holds every row's bytes", "[kernels]") {
  std::mt19937 rng(17);
  for (DType t : {DType::Q8_0, DType::Q4_0, DType::Q4_1}) {
    Mat w = random_weights(t, 24, 96, rng);
    std::vector<uint8_t> packed;
    const WeightView x8 = repack_x8(w.view, packed);
    CHECK(x8.layout == RowLayout::X8);
    CHECK(packed.size() == size_t(24) * w.view.row_stride());
    CHECK(std::vector<uint8_t>(packed.begin(), packed.end()) != std::vector<uint8_t>(w.bytes.begin(), w.bytes.begin() + packed.size()));
    std::vector<uint8_t> row(w.view.row_stride());
    for (int64_t r = 0; r < 24; ++r) {
      copy_row_plain(x8, r, row.data());
      INFO(dtype_name(t) << " row " << r);
      CHECK(std::memcmp(row.data(), w.view.row(r), row.size()) == 0);
    }
  }
  std::mt19937 rng2(3);
  Mat odd = random_weights(DType::Q4_1, 12, 64, rng2), f16 = random_weights(DType::F16, 8, 64, rng2);
  std::vector<uint8_t> out;
  CHECK_FALSE(x8_eligible(odd.view));
  CHECK_FALSE(x8_eligible(f16.view));
  CHECK_THROWS(repack_x8(odd.view, out));
  CHECK_THROWS(repack_x8(f16.view, out));
}

// Every path on X8 weights (AVX2 / AVX-512: the X8 kernels; others: the scalar X8 fallback) against
// the reference on the plain weights, and against the same path's plain result within f32 order.
TEST_CASE("matmul: X8 weights match the scalar reference on every path", "[kernels]") {
  std::mt19937 rng(99);
  struct Shape { int64_t n, k; };
  const std::vector<Shape> shapes = {{8, 32}, {16, 96}, {40, 160}, {64, 576}, {8, 2048}};
  for (CpuPath p : supported_cpu_paths()) {
    for (DType t : {DType::Q8_0, DType::Q4_0, DType::Q4_1}) {
      for (const Shape& s : shapes) {
        Mat w = random_weights(t, s.n, s.k, rng);
        std::vector<uint8_t> packed;
        const WeightView x8 = repack_x8(w.view, packed);
        for (int64_t m : {1, 2, 3, 4, 5, 8, 17}) {
          std::vector<float> x = random_x(m, s.k, rng), y(m * s.n, NAN), yp(m * s.n, NAN);
          matmul_path(p, x8, x.data(), y.data(), m);
          const std::string what = std::string(cpu_path_name(p)) + " X8 " + dtype_name(t) + " n=" +
                                   std::to_string(s.n) + " k=" + std::to_string(s.k) + " m=" + std::to_string(m);
          check_against_ref(w.view, x, y, m, what);
          matmul_path(p, w.view, x.data(), yp.data(), m);
          double worst = 0;  // |difference| / (1e-5 * sum_j |w_rj x_ij|): f32 summation order only
          std::vector<float> row(s.k);
          for (int64_t r = 0; r < s.n; ++r) {
            dequantize_row_ref(t, w.view.row(r), row.data(), s.k);
            for (int64_t i = 0; i < m; ++i) {
              double scale = 0;
              for (int64_t j = 0; j < s.k; ++j) scale += std::fabs(double(row[j]) * x[i * s.k + j]);
              worst = std::max(worst, std::fabs(double(y[i * s.n + r]) - yp[i * s.n + r]) / (1e-5 * scale + 1e-6));
            }
          }
          INFO(what);
          CHECK(worst <= 1.0);
        }
      }
    }
  }
}

// The AVX-512 X8 kernel (two groups of 8 rows per vector, VPDPBUSD, up to 8 activation rows a pass)
// computes the same exact integer dots and the same float steps as the AVX2 one: equal bits, for odd
// and even group counts, every m up to 17, and threaded chunks.
TEST_CASE("matmul: the AVX-512 X8 kernel gives the AVX2 X8 kernel's bits", "[kernels]") {
  if (!cpu_path_supported(CpuPath::AVX512) || !cpu_path_supported(CpuPath::AVX2))
    HS_SKIP("no AVX-512 VNNI here (this CPU: " << cpu_path_name(best_cpu_path()) << "): the AVX-512 X8 kernel is not compared");
  std::mt19937 rng(7);
  ThreadPool pool(2);
  for (DType t : {DType::Q8_0, DType::Q4_0, DType::Q4_1}) {
    for (int64_t n : {8, 16, 24, 40, 64}) {
      Mat w = random_weights(t, n, 256, rng);
      std::vector<uint8_t> packed;
      const WeightView x8 = repack_x8(w.view, packed);
      for (int64_t m = 1; m <= 17; ++m) {
        std::vector<float> x = random_x(m, 256, rng), a(m * n, NAN), b(m * n, NAN), c(m * n, NAN);
        matmul_path(CpuPath::AVX2, x8, x.data(), a.data(), m);
        matmul_path(CpuPath::AVX512, x8, x.data(), b.data(), m);
        matmul_path(CpuPath::AVX512, x8, x.data(), c.data(), m, &pool);
        INFO(dtype_name(t) << " n=" << n << " m=" << m);
        CHECK(a == b);
        CHECK(a == c);
      }
    }
  }
}

// Chunks of the threaded dispatch may start inside a group of 8 (after a weight whose row count is
// not a multiple of 8 in one matmul_many): each X8 kernel must write exactly its rows.
TEST_CASE("matmul_many: X8 weights split anywhere give the bits of one thread", "[kernels]") {
  std::mt19937 rng(23);
  ThreadPool pool(3);
  Mat a = random_weights(DType::Q4_1, 13, 128, rng), b = random_weights(DType::Q4_1, 56, 128, rng),
      c = random_weights(DType::Q8_0, 40, 128, rng);
  std::vector<uint8_t> pb, pc;
  const WeightView ws[3] = {a.view, repack_x8(b.view, pb), repack_x8(c.view, pc)};
  for (CpuPath p : supported_cpu_paths()) {
    for (int64_t m : {1, 6}) {
      std::vector<float> x = random_x(m, 128, rng);
      std::vector<float> ya(m * 13), yb(m * 56, NAN), yc(m * 40, NAN), zb(m * 56), zc(m * 40);
      float* ys[3] = {ya.data(), yb.data(), yc.data()};
      matmul_many_path(p, ws, ys, 3, x.data(), m, &pool);
      matmul_path(p, ws[1], x.data(), zb.data(), m);
      matmul_path(p, ws[2], x.data(), zc.data(), m);
      INFO(cpu_path_name(p) << " m=" << m);
      CHECK(yb == zb);
      CHECK(yc == zc);
    }
  }
  std::vector<uint8_t> buf(1024);
  WeightView bad{buf.data(), DType::Q4_1, 12, 32, RowLayout::X8};  // not whole groups
  std::vector<float> x(32), y(12);
  CHECK_THROWS(matmul(bad, x.data(), y.data(), 1));
  WeightView badt{buf.data(), DType::F16, 8, 32, RowLayout::X8};
  CHECK_THROWS(matmul(badt, x.data(), y.data(), 1));
}

TEST_CASE("matmul: best path is supported and the scalar path is always there", "[kernels]") {
  CHECK(cpu_path_supported(CpuPath::Scalar));
  CHECK(cpu_path_supported(best_cpu_path()));
  CHECK(supported_cpu_paths().front() == CpuPath::Scalar);
  CHECK(supported_cpu_paths().back() == best_cpu_path());
#if defined(__aarch64__)
  CHECK(cpu_path_supported(CpuPath::NEON));
#endif
}

// HETSPEC_REQUIRE_PATHS=neon,neon-dotprod (set by the aarch64 toolchain's emulator line) makes sure
// the paths we mean to test are really detected, not silently skipped.
TEST_CASE("matmul: required paths are detected", "[kernels]") {
  const char* req = std::getenv("HETSPEC_REQUIRE_PATHS");
  std::string list = req ? req : "scalar";
  std::stringstream ss(list);
  std::string name;
  while (std::getline(ss, name, ',')) {
    bool found = false;
    for (CpuPath p : supported_cpu_paths()) found = found || name == cpu_path_name(p);
    INFO("required path " << name);
    CHECK(found);
  }
}

TEST_CASE("matmul: bad arguments are refused", "[kernels]") {
  std::vector<uint8_t> buf(1024);
  float x[64] = {}, y[4] = {};
  WeightView w{buf.data(), DType::Q4_1, 2, 48};  // k not a multiple of 32
  CHECK_THROWS(matmul(w, x, y, 1));
  WeightView wk{buf.data(), DType::Q4_K, 1, 256};
  CHECK_THROWS(matmul(wk, x, y, 1));
  WeightView wn{nullptr, DType::F32, 2, 8};
  CHECK_THROWS(matmul_ref(wn, x, y, 1));
}

TEST_CASE("thread pool: covers every index exactly once and propagates exceptions", "[kernels]") {
  for (int threads : {1, 2, 4}) {
    ThreadPool pool(threads, 50);
    for (int64_t n : {0, 1, 7, 1000}) {
      for (int rep = 0; rep < 50; ++rep) {
        std::vector<int> hits(n, 0);
        pool.parallel_for(n, 3, [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i) ++hits[i];
        });
        bool once = true;
        for (int h : hits) once = once && h == 1;
        CHECK(once);
      }
    }
    CHECK_THROWS_AS(pool.parallel_for(100, 1, [](int64_t b, int64_t e) {
      if (b <= 57 && 57 < e) throw std::runtime_error("boom");
    }), std::runtime_error);
    int64_t total = 0;  // still usable afterwards
    std::vector<int64_t> part(100, 0);
    pool.parallel_for(100, 10, [&](int64_t b, int64_t e) { for (int64_t i = b; i < e; ++i) part[i] = i; });
    for (auto v : part) total += v;
    CHECK(total == 4950);
  }
}
