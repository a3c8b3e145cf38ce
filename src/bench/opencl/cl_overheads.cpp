// OpenCL overheads: enqueue cost, launch + finish round trip, device copy bandwidth vs size,
// blocking host <-> device transfers 64 B .. max, and CPU / device DRAM contention.
#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>

#include "hetspec/bench/bandwidth.hpp"
#include "hetspec/bench/cl_profile.hpp"
#include "hetspec/engine/opencl/ops.hpp"

namespace hetspec::bench {

ClOverheads bench_cl_overheads(ocl::Device& dev, double max_transfer_bytes, const MeasureOptions& opt) {
  ClOverheads r;
  float one = 1.0f;
  ocl::Buffer a = ocl::upload_f32(dev, &one, 1), b = ocl::upload_f32(dev, &one, 1);
  ocl::add(dev, a, b, 1);
  dev.finish();
  r.roundtrip_us = measure(
                       [&] {
                         auto t0 = Clock::now();
                         ocl::add(dev, a, b, 1);
                         dev.finish();
                         return us_since(t0);
                       },
                       opt)
                       .median;
  r.enqueue_us = measure(
                     [&] {
                       auto t0 = Clock::now();
                       for (int i = 0; i < 50; ++i) ocl::add(dev, a, b, 1);
                       double us = us_since(t0) / 50;
                       dev.finish();
                       return us;
                     },
                     opt)
                     .median;
  // Host <-> device: 64 B .. max_transfer_bytes, x4 per step.
  const size_t maxb = size_t(max_transfer_bytes);
  std::vector<uint8_t> host(maxb, 1);
  ocl::Buffer d(dev, maxb);
  dev.write(d, host.data(), maxb);
  for (size_t bytes = 64; bytes <= maxb; bytes *= 4) {
    TransferPoint p;
    p.bytes = double(bytes);
    p.h2d_us = measure(
                   [&] {
                     auto t0 = Clock::now();
                     dev.write(d, host.data(), bytes);
                     return us_since(t0);
                   },
                   opt)
                   .median;
    p.d2h_us = measure(
                   [&] {
                     auto t0 = Clock::now();
                     dev.read(d, host.data(), bytes);
                     return us_since(t0);
                   },
                   opt)
                   .median;
    r.transfers.push_back(p);
  }
  // Device copy (reads and writes each byte once): read bandwidth = 2 x bytes / time / 2.
  ocl::Buffer c(dev, maxb);
  for (size_t bytes = 16384; bytes <= maxb; bytes *= 16) {
    Measurement m = measure(
        [&] {
          auto t0 = Clock::now();
          dev.copy(d, c, bytes);
          dev.finish();
          return us_since(t0);
        },
        opt);
    BandwidthPoint pt;
    pt.bytes = double(bytes);
    pt.gbps = double(bytes) / (m.median * 1e3);
    r.copy_curve.push_back(pt);
    r.copy_gbps = 2 * pt.gbps;
  }
  return r;
}

ContentionResult bench_contention(ocl::Device& dev, double bytes_d, double seconds) {
  const size_t bytes = size_t(bytes_d) / 64 * 64;
  std::unique_ptr<uint64_t[]> buf(new uint64_t[bytes / 8]);
  std::fill_n(buf.get(), bytes / 8, uint64_t(1));
  ocl::Buffer a(dev, bytes), b(dev, bytes);
  dev.copy(a, b, bytes);
  dev.finish();
  auto cpu_gbps = [&](double secs) {
    double total = 0, t = 0;
    while (t < secs) {
      double s = read_pass_seconds(buf.get(), bytes, nullptr);
      total += double(bytes);
      t += s;
    }
    return total / t / 1e9;
  };
  auto cl_loop = [&](double secs, std::atomic<bool>* stop) {
    double total = 0;
    auto t0 = Clock::now();
    while (stop ? !stop->load() : seconds_since(t0) < secs) {
      dev.copy(a, b, bytes);
      dev.finish();
      total += double(bytes);  // read bandwidth (the copy also writes as much)
    }
    return total / seconds_since(t0) / 1e9;
  };
  ContentionResult r;
  r.cpu_solo_gbps = cpu_gbps(seconds);
  r.cl_solo_gbps = cl_loop(seconds, nullptr);
  std::atomic<bool> stop{false};
  double cl_shared = 0;
  std::thread th([&] { cl_shared = cl_loop(0, &stop); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  r.cpu_shared_gbps = cpu_gbps(seconds);
  stop = true;
  th.join();
  r.cl_shared_gbps = cl_shared;
  return r;
}

}  // namespace hetspec::bench
