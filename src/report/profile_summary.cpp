#include "hetspec/report/profile_summary.hpp"

#include <algorithm>
#include <cstdio>
#include <map>


namespace hetspec {

namespace {
std::string fmt(const char* f, double a, double b = 0, double c = 0) {
  char buf[160];
  std::snprintf(buf, sizeof buf, f, a, b, c);
  return buf;
}
std::string bytes_text(double b) {
  if (b >= 1 << 30) return fmt("%.0f GiB", b / (1 << 30));
  if (b >= 1 << 20) return fmt("%.0f MiB", b / (1 << 20));
  if (b >= 1 << 10) return fmt("%.0f KiB", b / (1 << 10));
  return fmt("%.0f B", b);
}
}  // namespace

std::string profile_summary(const Profile& p) {
  std::string o = "profile " + p.name + " (" + p.kind + ")\n";
  const Provenance& v = p.provenance;
  if (!v.empty()) {
    o += "  cpu: " + v.cpu + ", " + std::to_string(v.cores) + " cores, isa " + v.isa + "\n";
    if (!v.opencl.empty()) o += "  opencl: " + v.opencl + "\n";
    o += "  os: " + v.os + "  git: " + v.git + "  date: " + v.date + "\n  command: " + v.command + "\n";
  }
  o += fmt("host sampling: softmax %.2f ns/vocab entry, greedy %.2f ns\n", p.host.sample_ns_per_vocab,
           p.host.greedy_ns_per_vocab);
  for (const auto& pu : p.pus) {
    o += "\n[" + pu.id + "] " + pu.name + "\n";
    o += fmt("  launch %.2f us  sync %.2f us", pu.launch_us, pu.sync_us);
    if (pu.enqueue_us > 0) o += fmt("  enqueue %.2f us  launch+finish %.2f us", pu.enqueue_us, pu.roundtrip_us);
    o += "  launches/layer " + std::to_string(pu.launches_per_layer) +
         (pu.launches_per_layer_batch > 0 ? " (a batch: " + std::to_string(pu.launches_per_layer_batch) +
                                                 (pu.batch_fold_max_m > 1 ? ", from m > min(" + std::to_string(pu.batch_fold_max_m) +
                                                                                (pu.batch_fold_max_mk > 0 ? ", " + std::to_string(pu.batch_fold_max_mk) + " / d_model" : "") + ")"
                                                                          : "") +
                                                 ")"
                                           : "") + "\n";
    if (pu.gemm_m_tile > 1)
      o += "  matmul batches: GEMVs up to m = " +
           (pu.gemv_batch_max_mk > 0 ? "min(" + std::to_string(pu.gemv_batch_max_m) + ", " +
                                           std::to_string(pu.gemv_batch_max_mk) + " / d_model)"
                                     : std::to_string(std::max(1, pu.gemv_batch_max_m))) +
           ", then GEMM tiles of " + std::to_string(pu.gemm_m_tile) + " tokens\n";
    if (!pu.bandwidth_curve.empty()) {
      o += "  read bandwidth (GB/s) vs working set:\n   ";
      for (const auto& b : pu.bandwidth_curve) o += " " + bytes_text(b.bytes) + fmt(":%.1f", b.gbps);
      o += "\n";
    }
    o += fmt("  roofline: DRAM %.1f GB/s (1 thread %.1f), GEMV efficiency %.2f", pu.roofline.dram_bw_gbps,
             pu.roofline.bw_per_thread_gbps, pu.roofline.gemv_bw_efficiency);
    o += fmt(", GEMM peak %.0f GFLOP/s\n", pu.roofline.peak_gflops[0]);
    if (!pu.transfers.empty()) {
      o += "  host<->device (us, h2d/d2h):";
      for (const auto& t : pu.transfers) o += " " + bytes_text(t.bytes) + fmt(":%.1f/%.1f", t.h2d_us, t.d2h_us);
      o += "\n";
    }
    // Verify-cost curve from measured forwards: T(m)/T(1) per model, threads, context.
    std::map<std::string, std::map<int, double>> curves;
    for (const auto& f : pu.forward_check)
      curves[f.model + " t" + std::to_string(f.threads) + " n" + std::to_string(f.n)][f.m] = f.us;
    for (const auto& [key, c] : curves) {
      if (!c.count(1)) continue;
      o += "  forward T(m)/T(1) " + key + fmt(" (T(1) = %.2f ms):", c.at(1) / 1e3);
      for (const auto& [m, us] : c) o += " m" + std::to_string(m) + fmt(":%.2f", us / c.at(1));
      o += "\n";
    }
    // Matmul tables summed per thread count: the layer matmuls' T(m)/T(1).
    std::map<int, std::map<int, double>> mm;
    for (const auto& t : pu.tables)
      for (size_t i = 0; i < t.m.size(); ++i) mm[t.threads][t.m[i]] += t.us[i];
    for (const auto& [thr, c] : mm) {
      if (!c.count(1)) continue;
      o += "  matmul tables T(m)/T(1) t" + std::to_string(thr) + ":";
      for (const auto& [m, us] : c)
        if (m <= 16 || m % 32 == 0) o += " m" + std::to_string(m) + fmt(":%.2f", us / c.at(1));
      o += "\n";
    }
  }
  for (const auto& l : p.links)
    o += "link " + l.from + " <-> " + l.to + fmt(": %.2f GB/s, %.1f us\n", l.bw_gbps, l.latency_us);
  for (const auto& c : p.contention)
    o += "contention " + c.a + " + " + c.b + ": " + c.a + fmt(" keeps %.0f%%, ", c.a_share * 100) + c.b +
         fmt(" keeps %.0f%% of its solo bandwidth\n", c.b_share * 100);
  return o;
}

}  // namespace hetspec
