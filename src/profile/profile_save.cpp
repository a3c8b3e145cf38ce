// Profile -> YAML in the hetspec.profile/1 schema (the inverse of load_profile).
#include <yaml-cpp/yaml.h>

#include "hetspec/profile/profile.hpp"
#include "hetspec/core/version.hpp"

namespace hetspec {

namespace {
void emit_table(YAML::Emitter& e, const KernelTable& t) {
  e << YAML::Flow << YAML::BeginMap;
  e << YAML::Key << "k" << YAML::Value << t.k << YAML::Key << "n" << YAML::Value << t.n;
  e << YAML::Key << "dtype" << YAML::Value << dtype_name(t.dtype);
  e << YAML::Key << "threads" << YAML::Value << t.threads;
  e << YAML::Key << "m" << YAML::Value << YAML::Flow << t.m;
  e << YAML::Key << "us" << YAML::Value << YAML::Flow << t.us;
  if (!t.wall_us.empty()) e << YAML::Key << "wall_us" << YAML::Value << YAML::Flow << t.wall_us;
  if (!t.cv.empty()) e << YAML::Key << "cv" << YAML::Value << YAML::Flow << t.cv;
  if (t.set_bytes > 0) e << YAML::Key << "set_bytes" << YAML::Value << t.set_bytes;
  e << YAML::EndMap;
}

void emit_measured(YAML::Emitter& e, const ProcessingUnit& p) {
  if (p.launches_per_layer > 0) e << YAML::Key << "launches_per_layer" << YAML::Value << p.launches_per_layer;
  if (p.launches_per_layer_batch > 0)
    e << YAML::Key << "launches_per_layer_batch" << YAML::Value << p.launches_per_layer_batch;
  if (p.batch_fold_max_m > 0) e << YAML::Key << "batch_fold_max_m" << YAML::Value << p.batch_fold_max_m;
  if (p.batch_fold_max_mk > 0) e << YAML::Key << "batch_fold_max_mk" << YAML::Value << p.batch_fold_max_mk;
  if (p.launches_head > 0) e << YAML::Key << "launches_head" << YAML::Value << p.launches_head;
  if (p.gemm_m_tile > 0) e << YAML::Key << "gemm_m_tile" << YAML::Value << p.gemm_m_tile;
  if (p.gemv_batch_max_m > 0) e << YAML::Key << "gemv_batch_max_m" << YAML::Value << p.gemv_batch_max_m;
  if (p.gemv_batch_max_mk > 0) e << YAML::Key << "gemv_batch_max_mk" << YAML::Value << p.gemv_batch_max_mk;
  if (p.enqueue_us > 0) e << YAML::Key << "enqueue_us" << YAML::Value << p.enqueue_us;
  if (p.roundtrip_us > 0) e << YAML::Key << "roundtrip_us" << YAML::Value << p.roundtrip_us;
  if (!p.head.empty()) {
    e << YAML::Key << "head" << YAML::Value << YAML::BeginSeq;
    for (const auto& t : p.head) emit_table(e, t);
    e << YAML::EndSeq;
  }
  if (!p.attention.empty()) {
    e << YAML::Key << "attention" << YAML::Value << YAML::BeginSeq;
    for (const auto& t : p.attention) {
      e << YAML::BeginMap;
      e << YAML::Key << "heads" << YAML::Value << t.n_heads << YAML::Key << "kv_heads" << YAML::Value << t.n_kv_heads;
      e << YAML::Key << "head_dim" << YAML::Value << t.head_dim << YAML::Key << "threads" << YAML::Value << t.threads;
      e << YAML::Key << "n" << YAML::Value << YAML::Flow << t.n;
      e << YAML::Key << "rows" << YAML::Value << YAML::BeginSeq;
      for (size_t i = 0; i < t.m.size(); ++i)
        e << YAML::Flow << YAML::BeginMap << YAML::Key << "m" << YAML::Value << t.m[i] << YAML::Key << "us"
          << YAML::Value << YAML::Flow << t.us[i] << YAML::EndMap;
      e << YAML::EndSeq << YAML::EndMap;
    }
    e << YAML::EndSeq;
  }
  if (!p.elementwise.empty()) {
    e << YAML::Key << "elementwise" << YAML::Value << YAML::BeginSeq;
    for (const auto& t : p.elementwise)
      e << YAML::Flow << YAML::BeginMap << YAML::Key << "d_model" << YAML::Value << t.d_model << YAML::Key << "ffn"
        << YAML::Value << t.ffn_dim << YAML::Key << "threads" << YAML::Value << t.threads << YAML::Key << "m"
        << YAML::Value << YAML::Flow << t.m << YAML::Key << "us" << YAML::Value << YAML::Flow << t.us << YAML::EndMap;
    e << YAML::EndSeq;
  }
  if (!p.forward_check.empty()) {
    e << YAML::Key << "forward_check" << YAML::Value << YAML::BeginSeq;
    for (const auto& f : p.forward_check)
      e << YAML::Flow << YAML::BeginMap << YAML::Key << "model" << YAML::Value << f.model << YAML::Key << "threads"
        << YAML::Value << f.threads << YAML::Key << "m" << YAML::Value << f.m << YAML::Key << "n" << YAML::Value << f.n
        << YAML::Key << "us" << YAML::Value << f.us << YAML::Key << "cv" << YAML::Value << f.cv << YAML::EndMap;
    e << YAML::EndSeq;
  }
  if (!p.transfers.empty()) {
    e << YAML::Key << "transfers" << YAML::Value << YAML::BeginSeq;
    for (const auto& t : p.transfers)
      e << YAML::Flow << YAML::BeginMap << YAML::Key << "bytes" << YAML::Value << t.bytes << YAML::Key << "h2d_us"
        << YAML::Value << t.h2d_us << YAML::Key << "d2h_us" << YAML::Value << t.d2h_us << YAML::EndMap;
    e << YAML::EndSeq;
  }
}

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
    for (const auto& t : p.tables) emit_table(e, t);
    e << YAML::EndSeq;
  }
  if (!p.bandwidth_curve.empty()) {
    e << YAML::Key << "bandwidth_curve" << YAML::Value << YAML::BeginSeq;
    for (const auto& b : p.bandwidth_curve)
      e << YAML::Flow << YAML::BeginMap << YAML::Key << "bytes" << YAML::Value << b.bytes << YAML::Key << "gbps"
        << YAML::Value << b.gbps << YAML::EndMap;
    e << YAML::EndSeq;
  }
  emit_measured(e, p);
  e << YAML::EndMap;
}

void emit_error(YAML::Emitter& e, const char* key, const CalibrationError& x) {
  e << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginMap;
  e << YAML::Key << "plans" << YAML::Value << x.plans << YAML::Key << "speedup_median" << YAML::Value << x.speedup_median;
  e << YAML::Key << "speedup_max" << YAML::Value << x.speedup_max << YAML::Key << "per_token_median" << YAML::Value
    << x.per_token_median;
  e << YAML::Key << "spearman" << YAML::Value << x.spearman << YAML::Key << "regret" << YAML::Value << x.regret;
  e << YAML::EndMap;
}

void emit_calibration(YAML::Emitter& e, const Calibration& c) {
  e << YAML::Key << "calibration" << YAML::Value << YAML::BeginMap;
  auto str = [&](const char* k, const std::string& x) {
    if (!x.empty()) e << YAML::Key << k << YAML::Value << YAML::DoubleQuoted << x;
  };
  str("source", c.source);
  str("date", c.date);
  str("command", c.command);
  str("split", c.split);
  if (!c.fit_plans.empty()) e << YAML::Key << "fit_plans" << YAML::Value << YAML::Flow << c.fit_plans;
  if (!c.held_out_plans.empty()) e << YAML::Key << "held_out_plans" << YAML::Value << YAML::Flow << c.held_out_plans;
  if (!c.forward.empty()) {
    e << YAML::Key << "forward" << YAML::Value << YAML::BeginSeq;
    for (const auto& f : c.forward) {
      e << YAML::Flow << YAML::BeginMap << YAML::Key << "pu" << YAML::Value << f.pu << YAML::Key << "model"
        << YAML::Value << f.model << YAML::Key << "forward_us" << YAML::Value << f.forward_us << YAML::Key << "token_us"
        << YAML::Value << f.token_us;
      if (f.max_tokens > 0) e << YAML::Key << "max_tokens" << YAML::Value << f.max_tokens;
      e << YAML::EndMap;
    }
    e << YAML::EndSeq;
  }
  if (!c.handoff.empty()) {
    e << YAML::Key << "handoff" << YAML::Value << YAML::BeginSeq;
    for (const auto& h : c.handoff)
      e << YAML::Flow << YAML::BeginMap << YAML::Key << "pu" << YAML::Value << h.pu << YAML::Key << "us" << YAML::Value
        << h.us << YAML::EndMap;
    e << YAML::EndSeq;
  }
  if (c.host_greedy_ns_per_vocab > 0)
    e << YAML::Key << "host_greedy_ns_per_vocab" << YAML::Value << c.host_greedy_ns_per_vocab;
  if (c.host_draft_ns_per_vocab > 0)
    e << YAML::Key << "host_draft_ns_per_vocab" << YAML::Value << c.host_draft_ns_per_vocab;
  if (!c.contention.empty()) {
    e << YAML::Key << "contention" << YAML::Value << YAML::BeginSeq;
    for (const auto& k : c.contention)
      e << YAML::Flow << YAML::BeginMap << YAML::Key << "a" << YAML::Value << k.a << YAML::Key << "b" << YAML::Value
        << k.b << YAML::Key << "a_share" << YAML::Value << k.a_share << YAML::Key << "b_share" << YAML::Value
        << k.b_share << YAML::EndMap;
    e << YAML::EndSeq;
  }
  if (!c.overlap.empty()) {
    e << YAML::Key << "overlap" << YAML::Value << YAML::BeginSeq;
    for (const auto& o : c.overlap)
      e << YAML::Flow << YAML::BeginMap << YAML::Key << "draft" << YAML::Value << o.draft << YAML::Key << "target"
        << YAML::Value << o.target << YAML::Key << "hidden" << YAML::Value << o.hidden << YAML::EndMap;
    e << YAML::EndSeq;
  }
  if (c.before.plans > 0 || c.after.plans > 0) {
    e << YAML::Key << "held_out_error" << YAML::Value << YAML::BeginMap;
    emit_error(e, "before", c.before);
    emit_error(e, "after", c.after);
    e << YAML::EndMap;
  }
  e << YAML::EndMap;
}
}  // namespace

std::string profile_to_yaml(const Profile& p) {
  YAML::Emitter e;
  e.SetDoublePrecision(6);
  e << YAML::BeginMap;
  e << YAML::Key << "schema" << YAML::Value << "hetspec.profile/1";
  e << YAML::Key << "hetspec_version" << YAML::Value << version_string();
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
    << p.host.pu << YAML::Key << "sample_ns_per_vocab" << YAML::Value << p.host.sample_ns_per_vocab;
  if (p.host.greedy_ns_per_vocab > 0) e << YAML::Key << "greedy_ns_per_vocab" << YAML::Value << p.host.greedy_ns_per_vocab;
  e << YAML::EndMap;
  if (!p.provenance.empty()) {
    const Provenance& v = p.provenance;
    e << YAML::Key << "provenance" << YAML::Value << YAML::BeginMap;
    auto str = [&](const char* k, const std::string& x) {
      if (!x.empty()) e << YAML::Key << k << YAML::Value << YAML::DoubleQuoted << x;
    };
    str("cpu", v.cpu);
    if (v.cores > 0) e << YAML::Key << "cores" << YAML::Value << v.cores;
    str("isa", v.isa);
    str("opencl", v.opencl);
    str("os", v.os);
    str("git", v.git);
    str("date", v.date);
    str("command", v.command);
    e << YAML::EndMap;
  }
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
  if (!p.calibration.empty() || !p.calibration.source.empty()) emit_calibration(e, p.calibration);
  if (p.executor.engine != "hetspec" || !p.executor.loop.empty()) {
    e << YAML::Key << "executor" << YAML::Value << YAML::BeginMap << YAML::Key << "engine" << YAML::Value << p.executor.engine;
    if (!p.executor.loop.empty()) {
      e << YAML::Key << "loop" << YAML::Value << YAML::BeginSeq;
      for (const auto& l : p.executor.loop)
        e << YAML::Flow << YAML::BeginMap << YAML::Key << "threads" << YAML::Value << l.threads << YAML::Key << "pu" << YAML::Value << l.pu << YAML::Key
          << "iteration_us" << YAML::Value << l.iteration_us << YAML::Key << "drafted_us" << YAML::Value << l.drafted_us << YAML::Key << "plain_us" << YAML::Value << l.plain_us
          << YAML::Key << "runs" << YAML::Value << l.runs << YAML::Key << "residual_cv" << YAML::Value << l.residual_cv
          << YAML::EndMap;
      e << YAML::EndSeq;
    }
    e << YAML::EndMap;
  }
  e << YAML::EndMap;
  return std::string(e.c_str()) + "\n";
}

}  // namespace hetspec
