// Why a forward of many small kernels costs what it does on an OpenCL device. On the H200 through
// NVIDIA's OpenCL a Llama-1B GEMV over a 0.65 MB matrix takes ~9 us by its event times and a
// one-element kernel ~7 us per launch when batched, so the forward (98 launches) is bound by a
// per-launch floor, not by bandwidth. This probe tells the host's share from the device's: kernels
// queued behind long copies (the host has enqueued them all before the device reaches them) give the
// device's own floor; the enqueue time alone gives the host's; and where the device offers
// cl_khr_command_buffer, the same kernels recorded once and replayed show what a graph-like replay
// would save.
#pragma once
#include <string>
#include <vector>

#include "hetspec/engine/opencl/runtime.hpp"

namespace hetspec::ocl {

struct LaunchProbe {
  double enqueue_us = 0;   // host time per clEnqueueNDRangeKernel of a one-element kernel
  double queued_us = 0;    // device time per such kernel, queued behind copies (0: could not tell)
  double roundtrip_us = 0; // launch + clFinish, one at a time
  double enqueue11_us = 0, queued11_us = 0;  // the same with eleven buffer arguments
  std::string command_buffer;  // "absent", "replay 1.2 us per kernel", or why it failed
  struct Gemv {  // a real Q4_1 GEMV (ops::matmul, m = 1) of a Llama-1B layer's shape, cold weights
    int64_t rows, cols;
    double enqueue_us, queued_us;
  };
  std::vector<Gemv> gemv;
};

// n kernels per measurement; throws Error only for OpenCL failures outside the command buffer part.
LaunchProbe probe_launches(Device& dev, int n = 200);
std::string format_launch_probe(const Device& dev, const LaunchProbe& p);

}  // namespace hetspec::ocl
