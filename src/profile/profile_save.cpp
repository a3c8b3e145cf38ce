// Profile -> YAML in the hetspec.profile/1 schema (the inverse of load_profile).
#include <yaml-cpp/yaml.h>

#include "hetspec/profile/profile.hpp"

namespace hetspec {

namespace {
void emit_pu(YAML::Emitter& e, const ProcessingUnit& p) {
  e << YAML::BeginMap;
  e << YAML::Key << "id" << YAML::Value << p.id;
  if (!p.engine.empty()) e << YAML::Key << "engine" << YAML::Value << p.engine;
  e << YAML::Key << "kind" << YAML::Value << pu_kind_name(p.kind);
  e << YAML::Key << "name" << YAML::Value << p.name;
  e << YAML::Key << "cores" << YAML::Value << p.cores;
  e << YAML::Key << "threads" << YAML::Value << YAML::Flow << p.thread_options;
  if (p.mem_bytes > 0) e << YAML::Key << "mem_bytes" << YAML::Value << p.mem_bytes;
  e << YAML::Key << "launch_us" << YAML::Value << p.launch_us;
  e << YAML::Key << "sync_us" << YAML::Value << p.sync_us;
  if (p.elementwise_gbps > 0) e << YAML::Key << "elementwise_gbps" << YAML::Value << p.elementwise_gbps;
  const Roofline& r = p.roofline;
  e << YAML::Key << "roofline" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "dram_bw_gbps" << YAML::Value << r.dram_bw_gbps;
  if (r.bw_per_thread_gbps > 0) e << YAML::Key << "bw_per_thread_gbps" << YAML::Value << r.bw_per_thread_gbps;
  if (r.cache_bytes > 0) {
    e << YAML::Key << "cache_bytes" << YAML::Value << r.cache_bytes;
    e << YAML::Key << "cache_bw_gbps" << YAML::Value << r.cache_bw_gbps;
  }
  e << YAML::Key << "peak_gflops" << YAML::Value << YAML::Flow << YAML::BeginMap;
  for (int c = 0; c < kComputeClasses; ++c)
    e << YAML::Key << compute_class_name(static_cast<ComputeClass>(c)) << YAML::Value << r.peak_gflops[c];
  e << YAML::EndMap;
  e << YAML::Key << "gemv_bw_efficiency" << YAML::Value << r.gemv_bw_efficiency;
  e << YAML::Key << "gemm_efficiency" << YAML::Value << r.gemm_efficiency;
  e << YAML::EndMap;
  if (!p.tables.empty()) {
    e << YAML::Key << "tables" << YAML::Value << YAML::BeginSeq;
    for (const auto& t : p.tables) {
      e << YAML::Flow << YAML::BeginMap;
      e << YAML::Key << "k" << YAML::Value << t.k << YAML::Key << "n" << YAML::Value << t.n;
      e << YAML::Key << "dtype" << YAML::Value << dtype_name(t.dtype);
      e << YAML::Key << "threads" << YAML::Value << t.threads;
      e << YAML::Key << "m" << YAML::Value << YAML::Flow << t.m;
      e << YAML::Key << "us" << YAML::Value << YAML::Flow << t.us;
      e << YAML::EndMap;
    }
    e << YAML::EndSeq;
  }
  if (!p.bandwidth_curve.empty()) {
    e << YAML::Key << "bandwidth_curve" << YAML::Value << YAML::BeginSeq;
    for (const auto& b : p.bandwidth_curve)
      e << YAML::Flow << YAML::BeginMap << YAML::Key << "bytes" << YAML::Value << b.bytes << YAML::Key << "gbps"
        << YAML::Value << b.gbps << YAML::EndMap;
    e << YAML::EndSeq;
  }
  e << YAML::EndMap;
}
}  // namespace

std::string profile_to_yaml(const Profile& p) {
  YAML::Emitter e;
  e.SetDoublePrecision(6);
  e << YAML::BeginMap;
  e << YAML::Key << "schema" << YAML::Value << "hetspec.profile/1";
  e << YAML::Key << "name" << YAML::Value << p.name;
  e << YAML::Key << "kind" << YAML::Value << p.kind;
  if (!p.description.empty()) e << YAML::Key << "description" << YAML::Value << p.description;
  if (!p.source.empty()) e << YAML::Key << "source" << YAML::Value << p.source;
  e << YAML::Key << "memory" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "dram_bytes" << YAML::Value << p.dram_bytes;
  e << YAML::Key << "dram_bw_gbps" << YAML::Value << p.dram_bw_gbps;
  e << YAML::Key << "usable_fraction" << YAML::Value << p.usable_memory_fraction;
  e << YAML::Key << "unified" << YAML::Value << p.unified_memory;
  e << YAML::EndMap;
  e << YAML::Key << "host" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "pu" << YAML::Value
    << p.host.pu << YAML::Key << "sample_ns_per_vocab" << YAML::Value << p.host.sample_ns_per_vocab << YAML::EndMap;
  e << YAML::Key << "pus" << YAML::Value << YAML::BeginSeq;
  for (const auto& pu : p.pus) emit_pu(e, pu);
  e << YAML::EndSeq;
  if (!p.links.empty()) {
    e << YAML::Key << "links" << YAML::Value << YAML::BeginSeq;
    for (const auto& l : p.links)
      e << YAML::Flow << YAML::BeginMap << YAML::Key << "from" << YAML::Value << l.from << YAML::Key << "to"
        << YAML::Value << l.to << YAML::Key << "bw_gbps" << YAML::Value << l.bw_gbps << YAML::Key << "latency_us"
        << YAML::Value << l.latency_us << YAML::EndMap;
    e << YAML::EndSeq;
  }
  if (!p.contention.empty()) {
    e << YAML::Key << "contention" << YAML::Value << YAML::BeginSeq;
    for (const auto& c : p.contention)
      e << YAML::Flow << YAML::BeginMap << YAML::Key << "a" << YAML::Value << c.a << YAML::Key << "b" << YAML::Value
        << c.b << YAML::Key << "a_share" << YAML::Value << c.a_share << YAML::Key << "b_share" << YAML::Value
        << c.b_share << YAML::EndMap;
    e << YAML::EndSeq;
  }
  e << YAML::EndMap;
  return std::string(e.c_str()) + "\n";
}

}  // namespace hetspec
