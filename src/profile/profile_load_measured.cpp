// Strict loading of the measured-only parts of a profile (what `hetspec profile` writes beyond the
// spec-sheet schema): per-PU launch counts and overheads, LM-head / attention / elementwise tables,
// whole-forward checks, host <-> device transfers, and the provenance block.
#include <string>

#include "profile_parse.hpp"

namespace hetspec::profile_parse {

namespace {

std::string idx(const std::string& key, size_t i) { return key + "[" + std::to_string(i) + "]"; }

// Token counts / context lengths: positive (or >= 0 with allow_zero) and strictly increasing.
std::vector<int> increasing(const YamlMap& y, const std::string& key, bool allow_zero) {
  std::vector<int> v = y.list<int>(key);
  if (v.empty()) throw Error(y.where(key), "must not be empty");
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i] < (allow_zero ? 0 : 1) || (i > 0 && v[i] <= v[i - 1]))
      throw Error(y.where(idx(key, i)), "must be " + std::string(allow_zero ? "non-negative" : "positive") +
                                            " and strictly increasing");
  return v;
}

void check_times(const YamlMap& y, const std::string& key, const std::vector<double>& us, size_t want) {
  if (us.size() != want)
    throw Error(y.where(key), "has " + std::to_string(us.size()) + " entries, expected " + std::to_string(want));
  for (size_t i = 0; i < us.size(); ++i)
    if (!std::isfinite(us[i]) || us[i] <= 0 || us[i] > 1e9)
      throw Error(y.where(idx(key, i)), "time must be positive and finite (µs)");
}

AttentionTable parse_attention(const YamlMap& y) {
  AttentionTable t;
  t.n_heads = y.positive_int("heads");
  t.n_kv_heads = y.positive_int("kv_heads");
  t.head_dim = y.positive_int("head_dim");
  t.threads = y.positive_int("threads");
  t.n = increasing(y, "n", true);
  auto rows = y.maps("rows");
  for (size_t i = 0; i < rows.size(); ++i) {
    const YamlMap& r = rows[i];
    int m = r.positive_int("m");
    if (!t.m.empty() && m <= t.m.back()) throw Error(r.where("m"), "token counts must be strictly increasing");
    std::vector<double> us = r.list<double>("us");
    r.done();
    check_times(r, "us", us, t.n.size());
    t.m.push_back(m);
    t.us.push_back(us);
  }
  if (t.m.empty()) throw Error(y.where("rows"), "must not be empty");
  y.done();
  if (t.n_heads % t.n_kv_heads != 0) throw Error(y.where("kv_heads"), "must divide heads");
  return t;
}

ElementwiseTable parse_elementwise(const YamlMap& y) {
  ElementwiseTable t;
  t.d_model = y.positive_int("d_model");
  t.ffn_dim = y.positive_int("ffn");
  t.threads = y.positive_int("threads");
  t.m = increasing(y, "m", false);
  t.us = y.list<double>("us");
  y.done();
  check_times(y, "us", t.us, t.m.size());
  return t;
}

ForwardCheck parse_forward(const YamlMap& y) {
  ForwardCheck f;
  f.model = y.get<std::string>("model");
  f.threads = y.positive_int("threads");
  f.m = y.positive_int("m");
  f.n = static_cast<int>(y.non_negative("n"));
  f.us = bounded(y, "us", 1e9, false, 0, true);
  f.cv = bounded(y, "cv", 10, true, 0, false);
  y.done();
  return f;
}

TransferPoint parse_transfer(const YamlMap& y) {
  TransferPoint t;
  t.bytes = bounded(y, "bytes", kMaxBytes, false, 0, true);
  t.h2d_us = bounded(y, "h2d_us", 1e9, false, 0, true);
  t.d2h_us = bounded(y, "d2h_us", 1e9, false, 0, true);
  y.done();
  return t;
}

}  // namespace

void parse_measured_pu(const YamlMap& y, ProcessingUnit& p) {
  if (y.has("launches_per_layer")) {
    p.launches_per_layer = y.positive_int("launches_per_layer");
    if (p.launches_per_layer > 1000) throw Error(y.where("launches_per_layer"), "absurd launch count");
  }
  if (y.has("launches_per_layer_batch")) {
    p.launches_per_layer_batch = y.positive_int("launches_per_layer_batch");
    if (p.launches_per_layer_batch > 1000) throw Error(y.where("launches_per_layer_batch"), "absurd launch count");
  }
  // Token counts of the engine's batching (OpenCL): fold and GEMV limits, the GEMM tile.
  for (auto [key, field] : {std::pair{"batch_fold_max_m", &p.batch_fold_max_m}, std::pair{"gemm_m_tile", &p.gemm_m_tile},
                            std::pair{"gemv_batch_max_m", &p.gemv_batch_max_m}}) {
    if (!y.has(key)) continue;
    *field = y.positive_int(key);
    if (*field > 4096) throw Error(y.where(key), "absurd token count");
  }
  if (y.has("batch_fold_max_mk")) p.batch_fold_max_mk = y.positive_int("batch_fold_max_mk");
  if (y.has("gemv_batch_max_mk")) p.gemv_batch_max_mk = y.positive_int("gemv_batch_max_mk");
  if (y.has("launches_head")) {
    p.launches_head = y.positive_int("launches_head");
    if (p.launches_head > 1000) throw Error(y.where("launches_head"), "absurd launch count");
  }
  p.enqueue_us = bounded(y, "enqueue_us", 1e6, true, 0, false);
  p.roundtrip_us = bounded(y, "roundtrip_us", 1e6, true, 0, false);
  for (auto& t : y.maps_or_empty("head")) p.head.push_back(parse_table(t));
  for (auto& t : y.maps_or_empty("attention")) p.attention.push_back(parse_attention(t));
  for (auto& t : y.maps_or_empty("elementwise")) p.elementwise.push_back(parse_elementwise(t));
  for (auto& t : y.maps_or_empty("forward_check")) p.forward_check.push_back(parse_forward(t));
  for (auto& t : y.maps_or_empty("transfers")) {
    p.transfers.push_back(parse_transfer(t));
    if (p.transfers.size() > 1 && p.transfers.back().bytes <= p.transfers[p.transfers.size() - 2].bytes)
      throw Error(t.where("bytes"), "transfer sizes must be strictly increasing");
  }
  if (p.kind == PuKind::CPU) {
    auto too_many = [&](int threads, const YamlMap& at) {
      if (threads > p.cores)
        throw Error(at.where("threads"), "measured with more threads than the PU's " + std::to_string(p.cores) + " cores");
    };
    size_t i = 0;
    for (auto& t : y.maps_or_empty("attention")) too_many(p.attention[i++].threads, t);
    i = 0;
    for (auto& t : y.maps_or_empty("elementwise")) too_many(p.elementwise[i++].threads, t);
  }
}

Provenance parse_provenance(const YamlMap& y) {
  Provenance v;
  v.cpu = y.get_or<std::string>("cpu", "");
  v.cores = y.has("cores") ? y.positive_int("cores") : 0;
  v.isa = y.get_or<std::string>("isa", "");
  v.opencl = y.get_or<std::string>("opencl", "");
  v.os = y.get_or<std::string>("os", "");
  v.git = y.get_or<std::string>("git", "");
  v.date = y.get_or<std::string>("date", "");
  v.command = y.get_or<std::string>("command", "");
  y.done();
  return v;
}

}  // namespace hetspec::profile_parse
