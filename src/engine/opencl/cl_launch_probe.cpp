#include "hetspec/engine/opencl/cl_launch_probe.hpp"

#include <CL/cl_ext.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

#include "hetspec/core/error.hpp"
#include "hetspec/engine/cpu/quant_blocks.hpp"
#include "hetspec/engine/opencl/cl_check.hpp"
#include "hetspec/engine/opencl/ops.hpp"
#include "bench_common.hpp"

namespace hetspec::ocl {

namespace {

using bench_common::Clock;
using bench_common::median;
double since_us(Clock::time_point t0) { return bench_common::since(t0) * 1e6; }

// One buffer argument, and eleven (as many as a fused GEMV takes): the host's enqueue cost may grow with
// the memory objects a launch names (the driver tracks each for dependencies and residency).
const char* kSrc =
    "__kernel void bump(__global float* x) { x[get_global_id(0)] += 1.0f; }\n"
    "__kernel void bump11(__global float* x, __global const float* a, __global const float* b,\n"
    "    __global const float* c, __global const float* d, __global const float* e, __global const float* f,\n"
    "    __global const float* g, __global const float* h, __global const float* i, __global const float* j) {\n"
    "  x[get_global_id(0)] += 1.0f; }\n";

struct Kernel {
  cl_program p = nullptr;
  cl_kernel k = nullptr;
  ~Kernel() {
    if (k) clReleaseKernel(k);
    if (p) clReleaseProgram(p);
  }
};

// The replay through cl_khr_command_buffer: n kernels recorded once, the buffer enqueued `reps` times.
std::string command_buffer_replay(Device& dev, cl_kernel k, int n) {
  if (dev.info().extensions.find("cl_khr_command_buffer") == std::string::npos) return "absent";
  cl_platform_id plat = dev.info().platform;
  auto create = reinterpret_cast<clCreateCommandBufferKHR_fn>(
      clGetExtensionFunctionAddressForPlatform(plat, "clCreateCommandBufferKHR"));
  auto record = reinterpret_cast<clCommandNDRangeKernelKHR_fn>(
      clGetExtensionFunctionAddressForPlatform(plat, "clCommandNDRangeKernelKHR"));
  auto finalize = reinterpret_cast<clFinalizeCommandBufferKHR_fn>(
      clGetExtensionFunctionAddressForPlatform(plat, "clFinalizeCommandBufferKHR"));
  auto enqueue = reinterpret_cast<clEnqueueCommandBufferKHR_fn>(
      clGetExtensionFunctionAddressForPlatform(plat, "clEnqueueCommandBufferKHR"));
  auto release = reinterpret_cast<clReleaseCommandBufferKHR_fn>(
      clGetExtensionFunctionAddressForPlatform(plat, "clReleaseCommandBufferKHR"));
  if (!create || !record || !finalize || !enqueue || !release) return "listed, but its entry points are missing";
  cl_int err = CL_SUCCESS;
  cl_command_queue q = dev.queue();
  cl_command_buffer_khr cb = create(1, &q, nullptr, &err);
  if (err != CL_SUCCESS || !cb) return std::string("clCreateCommandBufferKHR: ") + cl_error_name(err);
  std::string why;
  size_t global = 1, local = 1;
  for (int i = 0; i < n && why.empty(); ++i) {
    err = record(cb, nullptr, nullptr, k, 1, nullptr, &global, &local, 0, nullptr, nullptr, nullptr);
    if (err != CL_SUCCESS) why = std::string("clCommandNDRangeKernelKHR: ") + cl_error_name(err);
  }
  if (why.empty() && (err = finalize(cb)) != CL_SUCCESS) why = std::string("clFinalizeCommandBufferKHR: ") + cl_error_name(err);
  std::vector<double> t;
  for (int r = 0; r < 12 && why.empty(); ++r) {
    auto t0 = Clock::now();
    err = enqueue(0, nullptr, cb, 0, nullptr, nullptr);
    if (err != CL_SUCCESS) {
      why = std::string("clEnqueueCommandBufferKHR: ") + cl_error_name(err);
      break;
    }
    clFinish(q);
    if (r > 1) t.push_back(since_us(t0) / n);  // two warm-up replays
  }
  release(cb);
  if (!why.empty()) return why;
  char buf[96];
  std::snprintf(buf, sizeof buf, "replay %.2f us per kernel", median(t));
  return buf;
}

}  // namespace

LaunchProbe probe_launches(Device& dev, int n) {
  LaunchProbe r;
  cl_int err = CL_SUCCESS;
  Kernel kn;
  size_t len = std::char_traits<char>::length(kSrc);
  kn.p = HS_CL_RET(dev.label(), clCreateProgramWithSource(dev.context(), 1, &kSrc, &len, &hs_err));
  HS_CL_CHECK(dev.label(), clBuildProgram(kn.p, 1, &dev.info().device, "", nullptr, nullptr));
  kn.k = HS_CL_RET(dev.label(), clCreateKernel(kn.p, "bump", &hs_err));
  Buffer x(dev, 4096);
  cl_mem xm = x.get();
  HS_CL_CHECK(dev.label(), clSetKernelArg(kn.k, 0, sizeof xm, &xm));
  cl_command_queue q = dev.queue();
  size_t global = 1, local = 1;
  auto launch = [&] { HS_CL_CHECK(dev.label(), clEnqueueNDRangeKernel(q, kn.k, 1, nullptr, &global, &local, 0, nullptr, nullptr)); };
  launch();
  clFinish(q);
  std::vector<double> rt;
  for (int i = 0; i < n; ++i) {
    auto t0 = Clock::now();
    launch();
    clFinish(q);
    rt.push_back(since_us(t0));
  }
  r.roundtrip_us = median(rt);

  // Copies long enough (>= 3 ms) that the host has enqueued all n kernels before the device reaches
  // them; the kernels' device time is the total minus the copies' alone.
  const size_t cbytes = 64u << 20;
  Buffer a(dev, cbytes), b(dev, cbytes);
  auto copy = [&] { HS_CL_CHECK(dev.label(), clEnqueueCopyBuffer(q, a.get(), b.get(), 0, 0, cbytes, 0, nullptr, nullptr)); };
  copy();
  clFinish(q);
  auto t0 = Clock::now();
  copy();
  clFinish(q);
  const double one = std::max(1.0, since_us(t0));
  const int copies = std::clamp(int(3000.0 / one) + 1, 1, 400);
  // enqueue_us: host time per enqueue_one() call; queued_us: device time per call when queued.
  auto measure = [&](const std::function<void()>& enqueue_one, int count, double* enqueue_us, double* queued_us) {
    std::vector<double> enq, dev_us;
    for (int rep = 0; rep < 5; ++rep) {
      auto s0 = Clock::now();
      for (int i = 0; i < copies; ++i) copy();
      clFinish(q);
      const double alone = since_us(s0);
      s0 = Clock::now();
      for (int i = 0; i < copies; ++i) copy();
      auto s1 = Clock::now();
      for (int i = 0; i < count; ++i) enqueue_one();
      const double e = since_us(s1);
      clFinish(q);
      const double total = since_us(s0);
      enq.push_back(e / count);
      // Only meaningful when the kernels were all queued before the copies ended.
      if (e + std::chrono::duration<double, std::micro>(s1 - s0).count() < alone) dev_us.push_back((total - alone) / count);
    }
    *enqueue_us = median(enq);
    *queued_us = dev_us.empty() ? 0 : median(dev_us);
  };
  auto kernel_of = [&](cl_kernel k) {
    return [&, k] { HS_CL_CHECK(dev.label(), clEnqueueNDRangeKernel(q, k, 1, nullptr, &global, &local, 0, nullptr, nullptr)); };
  };
  measure(kernel_of(kn.k), n, &r.enqueue_us, &r.queued_us);
  cl_kernel k11 = HS_CL_RET(dev.label(), clCreateKernel(kn.p, "bump11", &hs_err));
  std::vector<Buffer> extra;
  for (int i = 0; i < 10; ++i) extra.emplace_back(dev, 4096);
  HS_CL_CHECK(dev.label(), clSetKernelArg(k11, 0, sizeof xm, &xm));
  for (int i = 0; i < 10; ++i) {
    cl_mem m = extra[size_t(i)].get();
    HS_CL_CHECK(dev.label(), clSetKernelArg(k11, cl_uint(i + 1), sizeof m, &m));
  }
  measure(kernel_of(k11), n, &r.enqueue11_us, &r.queued11_us);
  clReleaseKernel(k11);
  (void)err;
  r.command_buffer = command_buffer_replay(dev, kn.k, n);

  // Real GEMVs (Q4_1, m = 1, through ops::matmul): each of a Llama-1B layer's shapes, cycling over
  // enough copies of it (~160 MB) to stay out of the caches: the host's enqueue and the device's time.
  const std::pair<int64_t, int64_t> shapes[] = {{512, 2048}, {2048, 2048}, {8192, 2048}, {2048, 8192}};
  std::vector<float> xh(8192, 0.01f);
  Buffer xb = upload_f32(dev, xh.data(), xh.size()), yb(dev, 8192 * 4);
  for (auto [rows, cols] : shapes) {
    const std::vector<uint8_t> host = bench_common::make_matrix(DType::Q4_1, rows, cols, 7);
    const int copies_of = int(std::clamp<int64_t>(int64_t(160e6 / double(host.size())), 1, 64));
    std::vector<ClWeight> ws;
    for (int c = 0; c < copies_of; ++c) ws.push_back(upload_weight(dev, WeightView{host.data(), DType::Q4_1, rows, cols}));
    size_t next = 0;
    matmul(dev, ws[0], xb, yb, 1);  // compiles the program
    clFinish(q);
    LaunchProbe::Gemv g{rows, cols, 0, 0};
    measure([&] { matmul(dev, ws[next++ % ws.size()], xb, yb, 1); }, 64, &g.enqueue_us, &g.queued_us);
    r.gemv.push_back(g);
  }
  return r;
}

std::string format_launch_probe(const Device& dev, const LaunchProbe& p) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "device=%s type=%s test=launch_probe roundtrip_us=%.2f enqueue_us=%.2f queued_device_us=%.2f "
                "enqueue_11buf_us=%.2f queued_device_11buf_us=%.2f command_buffer=\"%s\"\n",
                dev.info().id.c_str(), dev.info().type.c_str(), p.roundtrip_us, p.enqueue_us, p.queued_us,
                p.enqueue11_us, p.queued11_us, p.command_buffer.c_str());
  std::string out = buf;
  for (const auto& g : p.gemv) {
    std::snprintf(buf, sizeof buf,
                  "device=%s type=%s test=launch_probe_gemv dtype=q4_1 rows=%lld cols=%lld enqueue_us=%.2f "
                  "queued_device_us=%.2f\n",
                  dev.info().id.c_str(), dev.info().type.c_str(), (long long)g.rows, (long long)g.cols, g.enqueue_us,
                  g.queued_us);
    out += buf;
  }
  return out;
}

}  // namespace hetspec::ocl
