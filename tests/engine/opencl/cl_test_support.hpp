// Shared OpenCL test device: opened once per test run so programs compile once (PoCL takes
// ~0.2-1 s per program) and are reused across test cases. $HETSPEC_TEST_CL_DEVICE picks it
// (default cl:0). Without any OpenCL device the tests FAIL, unless HETSPEC_ALLOW_NO_OPENCL=1.
#pragma once
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "hetspec/engine/opencl/runtime.hpp"
#include "support/skip.hpp"

namespace hetspec::test {

struct ClTestDevice {
  std::unique_ptr<ocl::Device> device;
  std::string problem;
};

inline ClTestDevice& cl_test_device() {
  static ClTestDevice d = [] {
    ClTestDevice r;
    std::string id = "cl:0";
    if (const char* e = std::getenv("HETSPEC_TEST_CL_DEVICE"); e && *e) id = e;
    try {
      r.device = ocl::Device::open(id);
    } catch (const std::exception& e) {
      r.problem = e.what();
    }
    return r;
  }();
  return d;
}

inline bool allow_no_opencl() {
  const char* e = std::getenv("HETSPEC_ALLOW_NO_OPENCL");
  return e && std::string(e) == "1";
}

inline std::vector<float> random_floats(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

// The same device under a GPU-like tuning (four work-items per block, row tiles of 3, token tiles
// of 3), so the GPU kernel paths run on PoCL too.
// `extra`: more tuning lines (e.g. "    fuse_inputs_max_m: 4\n"), applied after the GPU-like ones.
inline std::unique_ptr<ocl::Device> gpu_like_device(const ocl::Device& dev0, const std::string& extra = "") {
  const std::string path = std::filesystem::temp_directory_path() / "hetspec_tune_gpu_like.yaml";
  std::ofstream(path) << "devices:\n  - match: \"*\"\n    mm_split: 4\n    gemv_lx: 16\n    gemv_rows: 3\n"
                         "    gemv_groups: 2\n    gemm_lx: 16\n    gemm_rows: 2\n    gemm_tm: 3\n    gemm_rpt: 3\n"
                         "    fuse_inputs: true\n    gemm_q8: false\n    gemm_q8_min_k: 0\n"
                      << (extra.empty() ? "" : "  - match: \"*\"\n" + extra);  // a second entry: may override the first's keys
  auto dev = std::make_unique<ocl::Device>(dev0.info(), path);
  std::filesystem::remove(path);
  return dev;
}

}  // namespace hetspec::test

// Opens the shared device as `dev` (ocl::Device&) or fails / skips the test with the reason.
#define HS_CL_TEST_DEVICE(dev)                                                                            \
  auto& hs_tdev_ = ::hetspec::test::cl_test_device();                                                     \
  if (!hs_tdev_.device) {                                                                                    \
    if (::hetspec::test::allow_no_opencl()) {                                                             \
      HS_SKIP("no OpenCL device (" << hs_tdev_.problem << "); HETSPEC_ALLOW_NO_OPENCL=1");               \
    }                                                                                                     \
    FAIL("no OpenCL device: " << hs_tdev_.problem                                                         \
                              << "\ninstall an OpenCL driver (CI: pocl-opencl-icd via scripts/install-deps.sh)" \
                                 " or set HETSPEC_ALLOW_NO_OPENCL=1 to skip the OpenCL tests");          \
  }                                                                                                       \
  ::hetspec::ocl::Device& dev = *hs_tdev_.device
