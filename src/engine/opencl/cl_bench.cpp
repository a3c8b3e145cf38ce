#include "hetspec/engine/opencl/cl_bench.hpp"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <cstdio>
#include <random>
#include <sstream>

#include "hetspec/core/error.hpp"
#include "hetspec/engine/cpu/quant_blocks.hpp"
#include "hetspec/engine/opencl/ops.hpp"
#include "bench_common.hpp"

namespace hetspec::ocl {

namespace {

using bench_common::Clock;
using bench_common::median;
using bench_common::since;
using bench_common::make_matrix;

// Llama-3.2-1B layer: q, k, v, o, gate, up, down as (rows, cols).
const std::pair<int64_t, int64_t> kLayer[] = {{2048, 2048}, {512, 2048}, {512, 2048}, {2048, 2048},
                                              {8192, 2048}, {8192, 2048}, {2048, 8192}};

ClMatmulResult bench_matmul(Device& dev, DType t, int m, const ClBenchOptions& opt) {
  double layer_bytes = 0;
  for (auto [r, c] : kLayer) layer_bytes += double(row_bytes(t, c)) * r;
  int layers = std::max(1, int(std::ceil(opt.weights_mb * 1e6 / layer_bytes)));
  std::vector<ClWeight> ws;
  std::map<std::pair<int64_t, int64_t>, std::vector<uint8_t>> host;
  for (int l = 0; l < layers; ++l)
    for (auto [r, c] : kLayer) {
      auto& h = host[{r, c}];
      if (h.empty()) h = make_matrix(t, r, c, uint32_t(r * 31 + c));
      ws.push_back(upload_weight(dev, WeightView{h.data(), t, r, c}));
    }
  std::vector<float> xh(size_t(m) * 8192, 0.01f);
  Buffer x = upload_f32(dev, xh.data(), xh.size());
  Buffer y(dev, size_t(m) * 8192 * 4);
  auto pass = [&] {
    for (auto& w : ws) matmul(dev, w, x, y, m);
  };
  pass();  // warm-up: compiles the programs, touches the buffers
  dev.finish();
  std::vector<double> wall, kern;
  std::vector<std::vector<double>> per_shape(std::size(kLayer));  // kernel times of each shape's launches
  for (int i = 0; i < std::max(1, opt.reps); ++i) {
    dev.set_profiling(true);
    auto t0 = Clock::now();
    pass();
    dev.finish();
    wall.push_back(since(t0));
    double k = 0;
    auto kts = dev.take_kernel_times();
    for (size_t j = 0; j < kts.size(); ++j) {
      k += kts[j].seconds;
      if (kts.size() == ws.size()) per_shape[j % std::size(kLayer)].push_back(kts[j].seconds);
    }
    dev.set_profiling(false);
    kern.push_back(k);
  }
  ClMatmulResult r;
  r.dtype = t;
  r.m = m;
  r.layers = layers;
  r.weight_bytes = layer_bytes * layers;
  r.seconds = median(wall);
  r.kernel_seconds = median(kern);
  r.gbps = r.weight_bytes / r.seconds / 1e9;
  for (size_t j = 0; j < std::size(kLayer); ++j)
    if (!per_shape[j].empty()) r.shapes.push_back({kLayer[j].first, kLayer[j].second, median(per_shape[j])});
  return r;
}

ClMatmulResult bench_head(Device& dev, DType t, const ClBenchOptions& opt) {
  const int64_t rows = 128256, cols = 2048;
  auto h = make_matrix(t, rows, cols, 7);
  ClWeight w = upload_weight(dev, WeightView{h.data(), t, rows, cols});
  h.clear();
  h.shrink_to_fit();
  std::vector<float> xh(cols, 0.01f);
  Buffer x = upload_f32(dev, xh.data(), xh.size());
  Buffer y(dev, size_t(rows) * 4);
  matmul(dev, w, x, y, 1);
  dev.finish();
  std::vector<double> wall, kern;
  for (int i = 0; i < std::max(1, opt.reps); ++i) {
    dev.set_profiling(true);
    auto t0 = Clock::now();
    matmul(dev, w, x, y, 1);
    dev.finish();
    wall.push_back(since(t0));
    auto kt = dev.take_kernel_times();
    dev.set_profiling(false);
    kern.push_back(kt.empty() ? 0 : kt[0].seconds);
  }
  ClMatmulResult r;
  r.dtype = t;
  r.m = 1;
  r.layers = 0;
  r.weight_bytes = double(w.bytes());
  r.seconds = median(wall);
  r.kernel_seconds = median(kern);
  // Kernel time (from profiling events): the launch cost is measured apart.
  r.gbps = r.weight_bytes / (r.kernel_seconds > 0 ? r.kernel_seconds : r.seconds) / 1e9;
  return r;
}

}  // namespace

ClBenchResult bench_device(Device& dev, const ClBenchOptions& opt) {
  ClBenchResult r;
  r.id = dev.info().id;
  r.name = dev.info().name;
  r.type = dev.info().type;
  const int reps = std::max(1, opt.reps);

  // Device copy bandwidth on a buffer well past the caches.
  size_t cbytes = size_t(std::max(64.0, opt.weights_mb) * 1e6) / 4096 * 4096;
  cbytes = std::min<size_t>(cbytes, size_t(dev.info().max_alloc_bytes ? dev.info().max_alloc_bytes : cbytes));
  {
    Buffer a(dev, cbytes), b(dev, cbytes);
    HS_CL_CHECK(dev.label(), clEnqueueFillBuffer(dev.queue(), a.get(), "\x01\0\0\0", 4, 0, cbytes, 0, nullptr, nullptr));
    dev.copy(a, b, cbytes);
    dev.finish();
    std::vector<double> t;
    for (int i = 0; i < reps; ++i) {
      auto t0 = Clock::now();
      dev.copy(a, b, cbytes);
      dev.finish();
      t.push_back(since(t0));
    }
    r.copy_bytes = double(cbytes);
    r.copy_gbps = 2.0 * cbytes / median(t) / 1e9;
  }

  // Launch latency with a one-element kernel.
  {
    float one = 1.0f;
    Buffer a = upload_f32(dev, &one, 1), b = upload_f32(dev, &one, 1);
    add(dev, a, b, 1);
    dev.finish();
    std::vector<double> t;
    for (int i = 0; i < 200; ++i) {
      auto t0 = Clock::now();
      add(dev, a, b, 1);
      dev.finish();
      t.push_back(since(t0));
    }
    r.launch_finish_us = median(t) * 1e6;
    auto t0 = Clock::now();
    for (int i = 0; i < 200; ++i) add(dev, a, b, 1);
    dev.finish();
    r.launch_batched_us = since(t0) / 200 * 1e6;
  }

  // Host <-> device transfers: bulk and an 8 KiB hand-off.
  {
    size_t tb = size_t(opt.transfer_mb * 1e6) / 4096 * 4096;
    std::vector<uint8_t> h(tb, 1);
    Buffer d(dev, tb);
    dev.write(d, h.data(), tb);
    std::vector<double> w, rd, ws, rs;
    for (int i = 0; i < reps; ++i) {
      auto t0 = Clock::now();
      dev.write(d, h.data(), tb);
      w.push_back(since(t0));
      t0 = Clock::now();
      dev.read(d, h.data(), tb);
      rd.push_back(since(t0));
    }
    for (int i = 0; i < 50; ++i) {
      auto t0 = Clock::now();
      dev.write(d, h.data(), 8192);
      ws.push_back(since(t0));
      t0 = Clock::now();
      dev.read(d, h.data(), 8192);
      rs.push_back(since(t0));
    }
    r.h2d_gbps = tb / median(w) / 1e9;
    r.d2h_gbps = tb / median(rd) / 1e9;
    r.h2d_small_us = median(ws) * 1e6;
    r.d2h_small_us = median(rs) * 1e6;
  }

  for (DType t : opt.dtypes)
    for (int m : opt.ms) {
      if (m < 1) throw Error("bench-opencl: --m", "token counts must be >= 1");
      auto mm = bench_matmul(dev, t, m, opt);
      mm.frac_of_copy = r.copy_gbps > 0 ? mm.gbps / r.copy_gbps : 0;
      r.matmul.push_back(mm);
    }
  if (opt.head)
    for (DType t : opt.dtypes) {
      auto hm = bench_head(dev, t, opt);
      hm.frac_of_copy = r.copy_gbps > 0 ? hm.gbps / r.copy_gbps : 0;
      r.head.push_back(hm);
    }
  return r;
}

std::string format_bench_lines(const ClBenchResult& r) {
  std::ostringstream o;
  char buf[512];
  std::string dev = "device=" + r.id + " type=" + r.type;
  std::snprintf(buf, sizeof buf, "%s test=copy bytes=%.0f gbps=%.2f\n", dev.c_str(), r.copy_bytes, r.copy_gbps);
  o << buf;
  std::snprintf(buf, sizeof buf, "%s test=launch finish_us=%.2f batched_us=%.2f\n", dev.c_str(), r.launch_finish_us,
                r.launch_batched_us);
  o << buf;
  std::snprintf(buf, sizeof buf, "%s test=transfer h2d_gbps=%.2f d2h_gbps=%.2f h2d_8k_us=%.2f d2h_8k_us=%.2f\n",
                dev.c_str(), r.h2d_gbps, r.d2h_gbps, r.h2d_small_us, r.d2h_small_us);
  o << buf;
  for (auto& m : r.matmul) {
    std::snprintf(buf, sizeof buf,
                  "%s test=%s dtype=%s m=%d layers=%d bytes=%.0f ms=%.3f kernel_ms=%.3f gbps=%.2f frac_of_copy=%.3f\n",
                  dev.c_str(), m.m == 1 ? "gemv" : "gemm", dtype_name(m.dtype), m.m, m.layers, m.weight_bytes,
                  m.seconds * 1e3, m.kernel_seconds * 1e3, m.gbps, m.frac_of_copy);
    o << buf;
    for (auto& sh : m.shapes) {  // each matrix's kernel time: a fixed cost per launch shows on the small ones
      const double bytes = double(row_bytes(m.dtype, sh.cols)) * double(sh.rows);
      std::snprintf(buf, sizeof buf, "%s test=%s_shape dtype=%s m=%d rows=%lld cols=%lld bytes=%.0f kernel_us=%.2f gbps=%.2f\n",
                    dev.c_str(), m.m == 1 ? "gemv" : "gemm", dtype_name(m.dtype), m.m, (long long)sh.rows,
                    (long long)sh.cols, bytes, sh.kernel_seconds * 1e6,
                    sh.kernel_seconds > 0 ? bytes / sh.kernel_seconds / 1e9 : 0.0);
      o << buf;
    }
  }
  for (auto& m : r.head) {
    std::snprintf(buf, sizeof buf,
                  "%s test=gemv_head dtype=%s rows=128256 cols=2048 bytes=%.0f ms=%.3f kernel_ms=%.3f gbps=%.2f "
                  "frac_of_copy=%.3f\n",
                  dev.c_str(), dtype_name(m.dtype), m.weight_bytes, m.seconds * 1e3, m.kernel_seconds * 1e3, m.gbps,
                  m.frac_of_copy);
    o << buf;
  }
  return o.str();
}

nlohmann::json bench_json(const ClBenchResult& r) {
  nlohmann::json j = {{"id", r.id},
                      {"name", r.name},
                      {"type", r.type},
                      {"copy_bytes", r.copy_bytes},
                      {"copy_gbps", r.copy_gbps},
                      {"launch_finish_us", r.launch_finish_us},
                      {"launch_batched_us", r.launch_batched_us},
                      {"h2d_gbps", r.h2d_gbps},
                      {"d2h_gbps", r.d2h_gbps},
                      {"h2d_8k_us", r.h2d_small_us},
                      {"d2h_8k_us", r.d2h_small_us}};
  j["matmul"] = nlohmann::json::array();
  for (auto& m : r.matmul)
    j["matmul"].push_back({{"dtype", dtype_name(m.dtype)},
                           {"m", m.m},
                           {"layers", m.layers},
                           {"weight_bytes", m.weight_bytes},
                           {"seconds", m.seconds},
                           {"kernel_seconds", m.kernel_seconds},
                           {"gbps", m.gbps},
                           {"frac_of_copy", m.frac_of_copy}});
  j["head"] = nlohmann::json::array();
  for (auto& m : r.head)
    j["head"].push_back({{"dtype", dtype_name(m.dtype)},
                         {"rows", 128256},
                         {"cols", 2048},
                         {"weight_bytes", m.weight_bytes},
                         {"seconds", m.seconds},
                         {"kernel_seconds", m.kernel_seconds},
                         {"gbps", m.gbps},
                         {"frac_of_copy", m.frac_of_copy}});
  return j;
}

}  // namespace hetspec::ocl
