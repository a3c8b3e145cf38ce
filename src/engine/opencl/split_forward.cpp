#include "hetspec/engine/opencl/split_forward.hpp"

#include <algorithm>
#include <chrono>
#include <sstream>

#include "hetspec/core/error.hpp"
#include "hetspec/engine/sampler.hpp"

namespace hetspec::ocl {

namespace {

int parse_int(const std::string& s, const std::string& where) {
  if (s.empty() || s.size() > 6 || !std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(uint8_t(c)); }))
    throw Error(where, "expected a number, got '" + s + "'");
  return std::stoi(s);
}

// "cpu" -> -1, "cl:3" -> 3
int parse_pu(const std::string& s, const std::string& where) {
  if (s == "cpu") return -1;
  if (s.rfind("cl:", 0) == 0) return parse_int(s.substr(3), where);
  throw Error(where, "unknown processor '" + s + "' (cpu or cl:N)");
}

}  // namespace

bool DevicePlan::any_cl() const {
  if (head_cl >= 0) return true;
  for (auto& r : ranges)
    if (r.cl >= 0) return true;
  return false;
}

DevicePlan parse_device_plan(const std::string& text, int n_layers) {
  const std::string where = "--device '" + text + "'";
  DevicePlan p;
  bool head_set = false;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    if (part.empty()) throw Error(where, "empty entry");
    if (part.rfind("head=", 0) == 0) {
      p.head_cl = parse_pu(part.substr(5), where);
      head_set = true;
      continue;
    }
    // cpu | cpu:A-B | cl:N | cl:N:A-B
    PlanRange r;
    std::string layers;
    if (part.rfind("cpu", 0) == 0) {
      r.cl = -1;
      if (part.size() > 3) {
        if (part[3] != ':') throw Error(where, "bad entry '" + part + "'");
        layers = part.substr(4);
      }
    } else if (part.rfind("cl:", 0) == 0) {
      auto colon = part.find(':', 3);
      r.cl = parse_int(part.substr(3, colon == std::string::npos ? std::string::npos : colon - 3), where);
      if (colon != std::string::npos) layers = part.substr(colon + 1);
    } else {
      throw Error(where, "unknown processor in '" + part + "' (cpu, cpu:A-B, cl:N, cl:N:A-B, head=PU)");
    }
    if (layers.empty()) {
      r.l0 = 0;
      r.l1 = n_layers;
    } else {
      auto dash = layers.find('-');
      if (dash == std::string::npos) throw Error(where, "layer range '" + layers + "' must be A-B (inclusive)");
      r.l0 = parse_int(layers.substr(0, dash), where);
      r.l1 = parse_int(layers.substr(dash + 1), where) + 1;
    }
    p.ranges.push_back(r);
  }
  if (p.ranges.empty()) throw Error(where, "no layer range");
  int next = 0;
  for (auto& r : p.ranges) {
    if (r.l0 != next || r.l1 <= r.l0 || r.l1 > n_layers)
      throw Error(where, "layer ranges must be contiguous, in order, and cover layers 0-" + std::to_string(n_layers - 1) +
                             " exactly (got " + r.pu() + " " + std::to_string(r.l0) + "-" + std::to_string(r.l1 - 1) +
                             ")");
    next = r.l1;
  }
  if (next != n_layers)
    throw Error(where, "layers " + std::to_string(next) + "-" + std::to_string(n_layers - 1) + " are not placed");
  if (!head_set) p.head_cl = p.ranges.back().cl;
  return p;
}

SplitForward::SplitForward(const DevicePlan& plan, const ModelWeights& w, CpuForward& cpu, int capacity, int max_batch,
                           const std::string& tuning_file)
    : w_(w), cpu_(cpu), plan_(plan), capacity_(capacity), max_batch_(std::min(max_batch, cpu.max_batch())) {
  check(capacity > 0, "split forward", "capacity must be > 0");
  auto device = [&](int idx) -> Device& {
    if (int(devices_.size()) <= idx) devices_.resize(size_t(idx) + 1);
    if (!devices_[size_t(idx)]) devices_[size_t(idx)] = Device::open("cl:" + std::to_string(idx), tuning_file);
    return *devices_[size_t(idx)];
  };
  const int last = int(plan.ranges.size()) - 1;
  for (int i = 0; i <= last; ++i) {
    const PlanRange& r = plan.ranges[size_t(i)];
    Range rr{r, nullptr, nullptr};
    if (r.cl < 0) {
      kvs_.push_back(std::make_unique<KvCache>(cpu.make_cache(capacity, r.l0, r.l1)));
      rr.kv = kvs_.back().get();
    } else {
      ClForwardOptions o;
      o.l0 = r.l0;
      o.l1 = r.l1;
      o.embed = i == 0;
      o.head = i == last && plan.head_cl == r.cl;
      o.max_batch = max_batch_;
      o.capacity = capacity;
      cls_.push_back(std::make_unique<ClForward>(device(r.cl), w, o));
      rr.cl = cls_.back().get();
      if (o.head) head_cl_ = rr.cl;
    }
    ranges_.push_back(rr);
  }
  if (plan.head_cl >= 0 && !head_cl_) {  // head on a device that runs no final range
    ClForwardOptions o;
    o.l0 = o.l1 = 0;
    o.embed = false;
    o.head = true;
    o.max_batch = max_batch_;
    o.capacity = 1;
    cls_.push_back(std::make_unique<ClForward>(device(plan.head_cl), w, o));
    head_cl_ = cls_.back().get();
  }
  x_.resize(size_t(max_batch_) * w.spec.d_model);
}

SplitForward::~SplitForward() = default;

const float* SplitForward::forward(const int32_t* tokens, int m, int pos0, int logit_rows) {
  const ModelSpec& s = w_.spec;
  check(m > 0, "forward", "no tokens");
  check(logit_rows >= 1 && logit_rows <= m, "forward",
        "logit_rows " + std::to_string(logit_rows) + " must be in [1, " + std::to_string(m) + "]");
  if (pos0 < 0 || pos0 > length_)
    throw Error("forward", "position " + std::to_string(pos0) + " leaves a hole in the KV cache (length " +
                               std::to_string(length_) + ")");
  if (pos0 + m > capacity_)
    throw Error("forward", "context full: " + std::to_string(pos0 + m) + " positions needed, the KV cache holds " +
                               std::to_string(capacity_));
  const int64_t d = s.d_model;
  logits_.resize(size_t(logit_rows) * s.vocab);
  const int first_row = m - logit_rows;
  for (int c0 = 0; c0 < m; c0 += max_batch_) {
    const int mc = std::min(max_batch_, m - c0), p0 = pos0 + c0;
    ClForward* loc = nullptr;  // where the hidden state is: nullptr = host x_
    if (ranges_[0].cl) {
      ranges_[0].cl->embed(tokens + c0, mc);
      loc = ranges_[0].cl;
    } else {
      cpu_.embed(tokens + c0, mc, x_.data());  // (mc, d)
    }
    auto move_to = [&](ClForward* dst) {
      if (loc == dst) return;
      if (loc) loc->download_hidden(x_.data(), mc);
      if (dst) dst->upload_hidden(x_.data(), mc);
      loc = dst;
    };
    for (auto& r : ranges_) {
      move_to(r.cl);
      if (r.cl) r.cl->run_layers(mc, p0);
      else cpu_.run_layers(x_.data(), mc, p0, r.r.l0, r.r.l1, *r.kv);
    }
    const int from = std::max(c0, first_row);
    if (from < c0 + mc) {
      const int rows = c0 + mc - from;
      float* out = logits_.data() + size_t(from - first_row) * s.vocab;
      move_to(head_cl_);
      if (head_cl_) head_cl_->head(mc, rows, out);
      else cpu_.head(x_.data() + int64_t(mc - rows) * d, rows, out);
    }
  }
  length_ = pos0 + m;
  return logits_.data();
}

void SplitForward::truncate(int n) {
  n = std::max(0, std::min(n, length_));
  for (auto& kv : kvs_) kv->truncate(n);
  for (auto& c : cls_)
    if (c->kv().length() > n) c->truncate(n);
  length_ = n;
}

SplitStats SplitForward::stats() const {
  SplitStats st;
  for (auto& c : cls_) {
    for (const HandoffStats* h : {&c->uploads(), &c->downloads()}) {
      st.handoffs += h->count;
      st.handoff_s += h->seconds;
      st.handoff_bytes += h->bytes;
    }
  }
  return st;
}

std::string SplitForward::describe() const {
  std::string out;
  for (auto& r : ranges_)
    out += (out.empty() ? "" : " -> ") + r.r.pu() + "[" + std::to_string(r.r.l0) + "," + std::to_string(r.r.l1) + ")";
  return out + ", head on " + (plan_.head_cl < 0 ? std::string("cpu") : "cl:" + std::to_string(plan_.head_cl));
}

GenerateResult generate_split(SplitForward& fw, const std::vector<int32_t>& prompt, const GenerateOptions& opt,
                              const std::function<void(int32_t)>& on_token) {
  check(fw.length() == 0, "generate", "needs an empty KV cache");
  return generate_with([&](const int32_t* t, int m, int pos) { return fw.forward(t, m, pos, 1); }, fw.capacity(),
                       fw.spec().vocab, prompt, opt, on_token);
}

}  // namespace hetspec::ocl
