// The OpenCL side of `hetspec profile` (built only with OpenCL): matmul tables with kernel time
// (profiling events) and launch + wait wall time both kept, per-layer attention / element-wise
// kernel times and the launch count and per-launch gap of a real layer pass, host <-> device
// transfers 64 B .. 64 MB, enqueue and launch + finish round trip, and DRAM contention between a CPU
// streaming read and an OpenCL copy (on PoCL the same cores).
#pragma once
#include <string>
#include <vector>

#include "hetspec/bench/layers.hpp"
#include "hetspec/bench/measure.hpp"
#include "hetspec/engine/model_weights.hpp"
#include "hetspec/profile/profile.hpp"

namespace hetspec::ocl {
class Device;
}

namespace hetspec::bench {

// gemv_max_m: as the model's forward runs a batch (ocl::gemv_batch_limit of its width; 0: the tuning's).
KernelTable bench_cl_gemm(ocl::Device& dev, const WeightView& w, const std::vector<int>& ms, double set_bytes,
                          const MeasureOptions& opt, int gemv_max_m = 0);

// Layers [0, n_layers) of the model on the device (no embedding / head), m tokens after n cached.
LayerProfile bench_cl_layers(ocl::Device& dev, const ModelWeights& w, const std::vector<int>& ms,
                             const std::vector<int>& ns, const MeasureOptions& opt);

struct ClOverheads {
  double enqueue_us = 0;    // host time to enqueue one tiny kernel (no wait)
  double roundtrip_us = 0;  // enqueue one tiny kernel + clFinish
  double copy_gbps = 0;     // device copy (read + write bytes)
  std::vector<TransferPoint> transfers;
  std::vector<BandwidthPoint> copy_curve;  // device read bandwidth (copy / 2) vs size
};
ClOverheads bench_cl_overheads(ocl::Device& dev, double max_transfer_bytes, const MeasureOptions& opt);

struct ContentionResult {
  double cpu_solo_gbps = 0, cl_solo_gbps = 0;
  double cpu_shared_gbps = 0, cl_shared_gbps = 0;
  double cpu_share() const { return cpu_solo_gbps > 0 ? std::min(1.0, cpu_shared_gbps / cpu_solo_gbps) : 1.0; }
  double cl_share() const { return cl_solo_gbps > 0 ? std::min(1.0, cl_shared_gbps / cl_solo_gbps) : 1.0; }
};
// A 1-thread CPU streaming read over `bytes` while the device copies `bytes` in a loop, for `seconds`.
ContentionResult bench_contention(ocl::Device& dev, double bytes, double seconds);

}  // namespace hetspec::bench
