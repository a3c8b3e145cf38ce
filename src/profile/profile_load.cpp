// Profile YAML loading with strict validation (unknown keys, wrong types, absurd values).
#include <algorithm>
#include <cmath>
#include <set>

#include "hetspec/core/error.hpp"
#include "hetspec/core/yaml_reader.hpp"
#include "hetspec/profile/profile.hpp"
#include "profile_parse.hpp"

namespace hetspec {

const char* compute_class_name(ComputeClass c) {
  static const char* n[] = {"f32", "f16", "int8"};
  return n[static_cast<int>(c)];
}
const char* pu_kind_name(PuKind k) {
  static const char* n[] = {"cpu", "gpu", "npu"};
  return n[static_cast<int>(k)];
}

int Profile::pu_index(const std::string& id) const {
  for (size_t i = 0; i < pus.size(); ++i)
    if (pus[i].id == id) return static_cast<int>(i);
  return -1;
}

const Link* Profile::link(const std::string& from, const std::string& to) const {
  for (const auto& l : links)
    if ((l.from == from && l.to == to) || (l.from == to && l.to == from)) return &l;
  return nullptr;
}

double Profile::contention_share(const std::string& self, const std::string& other) const {
  for (const auto& c : calibration.contention) {  // fitted in situ: replaces the isolated measurement
    if (c.a == self && c.b == other) return c.a_share;
    if (c.b == self && c.a == other) return c.b_share;
  }
  for (const auto& c : contention) {
    if (c.a == self && c.b == other) return c.a_share;
    if (c.b == self && c.a == other) return c.b_share;
  }
  return 1.0;
}

const CalibratedForward* Profile::forward_term(int pu, const std::string& model) const {
  for (const auto& f : calibration.forward)
    if (f.model == model && f.pu == pus[size_t(pu)].id) return &f;
  return nullptr;
}

Profile uncalibrated(Profile p) {
  p.calibration = Calibration{};
  p.resolve();
  return p;
}

void Profile::resolve() {
  host_index = std::max(0, pu_index(host.pu));
  for (int a = 0; a < kMax; ++a) {
    handoff_[a] = 0;
    for (int b = 0; b < kMax; ++b) {
      link_idx_[a][b] = -1;
      share_[a][b] = 1.0;
      hidden_[a][b] = 1.0;
    }
  }
  const int n = std::min<int>(kMax, static_cast<int>(pus.size()));
  for (int a = 0; a < n; ++a)
    for (int b = 0; b < n; ++b) {
      if (const Link* l = link(pus[a].id, pus[b].id)) link_idx_[a][b] = static_cast<int>(l - links.data());
      share_[a][b] = contention_share(pus[a].id, pus[b].id);
    }
  for (const auto& h : calibration.handoff)
    if (int i = pu_index(h.pu); i >= 0 && i < kMax) handoff_[i] = h.us;
  for (const auto& o : calibration.overlap) {
    const int d = pu_index(o.draft), t = pu_index(o.target);
    if (d >= 0 && t >= 0 && d < kMax && t < kMax) hidden_[d][t] = o.hidden;
  }
}

namespace {
using namespace profile_parse;

ProcessingUnit parse_pu(const YamlMap& y) {
  ProcessingUnit p;
  p.id = y.get<std::string>("id");
  if (p.id.empty()) throw Error(y.where("id"), "must not be empty");
  std::string kind = y.get<std::string>("kind");
  if (kind == "cpu") p.kind = PuKind::CPU;
  else if (kind == "gpu") p.kind = PuKind::GPU;
  else if (kind == "npu") p.kind = PuKind::NPU;
  else throw Error(y.where("kind"), "unknown PU kind '" + kind + "' (cpu, gpu, npu)");
  p.name = y.get_or<std::string>("name", p.id);
  p.engine = y.get_or<std::string>("engine", "");
  if (!p.engine.empty() && p.engine != "cpu" &&
      !(p.engine.rfind("cl:", 0) == 0 && p.engine.size() > 3 && p.engine.size() < 8 &&
        p.engine.find_first_not_of("0123456789", 3) == std::string::npos))
    throw Error(y.where("engine"), "must be an engine device id (cpu, cl:N), got '" + p.engine + "'");
  p.cores = y.positive_int_or("cores", 1);
  if (p.cores > 4096) throw Error(y.where("cores"), "absurd core count");
  if (y.has("threads")) {
    p.thread_options = y.list<int>("threads");
    for (size_t i = 0; i < p.thread_options.size(); ++i)
      if (p.thread_options[i] <= 0 || p.thread_options[i] > p.cores)
        throw Error(y.where("threads[" + std::to_string(i) + "]"),
                    "thread count must be in 1.." + std::to_string(p.cores) + " (cores)");
  } else {
    p.thread_options = {p.kind == PuKind::CPU ? p.cores : 1};
  }
  p.mem_bytes = bounded(y, "mem_bytes", kMaxBytes, true, 0, false);
  p.launch_us = bounded(y, "launch_us", 1e6, true, 0, true);
  p.sync_us = bounded(y, "sync_us", 1e6, true, 0, true);
  p.elementwise_gbps = bounded(y, "elementwise_gbps", kMaxBw, false, 0, false);
  p.roofline = parse_roofline(y.map("roofline"));
  for (auto& t : y.maps_or_empty("tables")) {
    p.tables.push_back(parse_table(t));
    if (p.kind == PuKind::CPU && p.tables.back().threads > p.cores)
      throw Error(t.where("threads"), "measured with more threads than the PU's " + std::to_string(p.cores) + " cores");
  }
  for (auto& b : y.maps_or_empty("bandwidth_curve")) {
    BandwidthPoint pt;
    pt.bytes = bounded(b, "bytes", kMaxBytes, false, 0, true);
    pt.gbps = bounded(b, "gbps", kMaxBw, false, 0, true);
    b.done();
    if (!p.bandwidth_curve.empty() && pt.bytes <= p.bandwidth_curve.back().bytes)
      throw Error(b.where("bytes"), "working-set sizes must be strictly increasing");
    p.bandwidth_curve.push_back(pt);
  }
  parse_measured_pu(y, p);
  y.done();
  return p;
}
}  // namespace

Profile load_profile(const std::string& path) {
  YamlMap y = YamlMap::load_file(path);
  Profile p;
  std::string schema = y.get<std::string>("schema");
  if (schema != "hetspec.profile/1")
    throw Error(y.where("schema"), "unsupported schema '" + schema + "' (expected hetspec.profile/1)");
  p.name = y.get<std::string>("name");
  p.kind = y.get_or<std::string>("kind", "spec-sheet");
  if (p.kind != "spec-sheet" && p.kind != "measured")
    throw Error(y.where("kind"), "must be spec-sheet or measured, got '" + p.kind + "'");
  p.description = y.get_or<std::string>("description", "");
  p.source = y.get_or<std::string>("source", "");
  p.hetspec_version = y.get_or<std::string>("hetspec_version", "");
  YamlMap mem = y.map("memory");
  p.dram_bytes = bounded(mem, "dram_bytes", kMaxBytes, false, 0, true);
  p.dram_bw_gbps = bounded(mem, "dram_bw_gbps", kMaxBw, false, 0, true);
  p.usable_memory_fraction = fraction(mem, "usable_fraction", 0.8);
  p.unified_memory = mem.get_or<bool>("unified", true);
  mem.done();
  std::set<std::string> ids;
  for (auto& py : y.maps("pus")) {
    p.pus.push_back(parse_pu(py));
    if (!ids.insert(p.pus.back().id).second) throw Error(py.where("id"), "duplicate PU id '" + p.pus.back().id + "'");
  }
  if (p.pus.empty()) throw Error(y.where("pus"), "must list at least one processing unit");
  if (p.pus.size() > 8) throw Error(y.where("pus"), "at most 8 processing units are supported");
  auto known = [&](const YamlMap& m, const std::string& key) {
    std::string id = m.get<std::string>(key);
    if (!ids.count(id)) throw Error(m.where(key), "names PU '" + id + "' that this profile lacks");
    return id;
  };
  for (auto& ly : y.maps_or_empty("links")) {
    Link l{known(ly, "from"), known(ly, "to"), bounded(ly, "bw_gbps", kMaxBw, false, 0, true),
           bounded(ly, "latency_us", 1e6, true, 0, true)};
    ly.done();
    p.links.push_back(l);
  }
  for (auto& cy : y.maps_or_empty("contention")) {
    Contention c{known(cy, "a"), known(cy, "b"), fraction(cy, "a_share", 1), fraction(cy, "b_share", 1)};
    cy.done();
    p.contention.push_back(c);
  }
  if (y.has("host")) {
    YamlMap h = y.map("host");
    p.host.pu = known(h, "pu");
    p.host.sample_ns_per_vocab = bounded(h, "sample_ns_per_vocab", 1e6, true, 1.0, true);
    p.host.greedy_ns_per_vocab = bounded(h, "greedy_ns_per_vocab", 1e6, true, 0, false);
    h.done();
  } else {
    p.host.pu = p.pus.front().id;
  }
  if (y.has("provenance")) p.provenance = parse_provenance(y.map("provenance"));
  if (y.has("calibration")) p.calibration = parse_calibration(y.map("calibration"), ids);
  if (y.has("executor")) p.executor = parse_executor(y.map("executor"), ids);
  if (p.pus[p.pu_index(p.host.pu)].kind != PuKind::CPU)
    throw Error(y.where("host.pu"), "the host that samples must be a cpu PU");
  y.done();
  p.resolve();
  return p;
}

}  // namespace hetspec
