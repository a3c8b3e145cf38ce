// What an OpenCL device costs, measured (for profiles and for checking the kernels): GEMV/GEMM
// bandwidth on Llama-3.2-1B-shaped layers (weights >= the device's caches) per dtype, against the
// device's own clEnqueueCopyBuffer bandwidth; kernel launch + clFinish latency; host <-> device
// transfer bandwidth and small hand-off latency (the activation of a layer split).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hetspec/core/dtype.hpp"
#include "hetspec/engine/opencl/runtime.hpp"

namespace hetspec::ocl {

struct ClBenchOptions {
  double weights_mb = 256;  // weight bytes per dtype (whole layers of d 2048 / ffn 8192, at least one)
  int reps = 5;             // timed passes per measurement (median reported), after one warm-up
  std::vector<DType> dtypes = {DType::Q4_1, DType::Q8_0, DType::F16};
  std::vector<int> ms = {1};  // token counts: 1 = GEMV, > 1 = GEMM
  double transfer_mb = 64;
  bool head = true;          // also time the LM-head GEMV
};

struct ClMatmulResult {
  DType dtype;
  int m = 1;
  int layers = 0;
  double weight_bytes = 0;
  double seconds = 0;         // median wall time of one pass over all layers (enqueue .. clFinish)
  double kernel_seconds = 0;  // sum of kernel durations from profiling events (same pass)
  double gbps = 0;            // weight_bytes / seconds / 1e9
  double frac_of_copy = 0;    // gbps / copy_gbps
  // Per matrix shape of the layer: (rows, cols, median kernel time in seconds over its launches).
  struct Shape {
    int64_t rows, cols;
    double kernel_seconds;
  };
  std::vector<Shape> shapes;
};

struct ClBenchResult {
  std::string id, name, type;
  double copy_bytes = 0;
  double copy_gbps = 0;          // clEnqueueCopyBuffer, counting read + write bytes (2 x size / time)
  double launch_finish_us = 0;   // median: enqueue one tiny kernel + clFinish
  double launch_batched_us = 0;  // per kernel when 200 tiny kernels are enqueued before one clFinish
  double h2d_gbps = 0, d2h_gbps = 0;     // blocking transfers of transfer_mb from pageable host memory
  double h2d_small_us = 0, d2h_small_us = 0;  // 8 KiB (an activation hand-off)
  std::vector<ClMatmulResult> matmul;
  // One GEMV over a Llama-3 LM head (128256 x 2048) per dtype: a single launch over >= 160 MB, so
  // the kernel's own bandwidth shows without the per-launch cost of the 7-matrix layers above.
  std::vector<ClMatmulResult> head;
};

ClBenchResult bench_device(Device& dev, const ClBenchOptions& opt);
// One "key=value ..." line per measurement (parseable with split + split('=')).
std::string format_bench_lines(const ClBenchResult& r);
nlohmann::json bench_json(const ClBenchResult& r);

}  // namespace hetspec::ocl
