#include "hetspec/engine/opencl/split_forward.hpp"

#include <algorithm>
#include <chrono>
#include <sstream>

#include "hetspec/core/error.hpp"
#include "hetspec/engine/sampler.hpp"

namespace hetspec::ocl {

SplitForward::SplitForward(const DevicePlan& plan, const ModelWeights& w, CpuForward& cpu, int capacity, int max_batch,
                           const std::string& tuning_file)
    : w_(w), cpu_(cpu), plan_(plan), capacity_(capacity), max_batch_(std::min(max_batch, cpu.max_batch())) {
  build([&](int idx) -> Device& {
    if (int(devices_.size()) <= idx) devices_.resize(size_t(idx) + 1);
    if (!devices_[size_t(idx)]) devices_[size_t(idx)] = Device::open("cl:" + std::to_string(idx), tuning_file);
    return *devices_[size_t(idx)];
  });
}

SplitForward::SplitForward(const DevicePlan& plan, const ModelWeights& w, CpuForward& cpu, int capacity, int max_batch,
                           const DeviceFor& device)
    : w_(w), cpu_(cpu), plan_(plan), capacity_(capacity), max_batch_(std::min(max_batch, cpu.max_batch())) {
  build(device);
}

void SplitForward::build(const DeviceFor& device) {
  const DevicePlan& plan = plan_;
  const ModelWeights& w = w_;
  CpuForward& cpu = cpu_;
  const int capacity = capacity_;
  check(capacity > 0, "split forward", "capacity must be > 0");
  check(plan.n_layers() >= 1 && plan.n_layers() <= w.spec.n_layers, "split forward",
        "the plan covers " + std::to_string(plan.n_layers()) + " layers; the model has " + std::to_string(w.spec.n_layers));
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
  const size_t n_out = size_t(std::max(logit_rows, 0)) * w_.spec.n_logits();
  float* logits = head_cl_ ? head_cl_->pinned_logits(n_out) : nullptr;  // a direct transfer when it fits
  if (!logits) {
    logits_.resize(n_out);
    logits = logits_.data();
  }
  run(tokens, m, pos0, logit_rows, logits, nullptr);
  return logits;
}

void SplitForward::forward_argmax(const int32_t* tokens, int m, int pos0, int logit_rows, int32_t* ids) {
  if (!head_cl_) logits_.resize(size_t(std::max(logit_rows, 0)) * w_.spec.n_logits());  // the CPU head's rows
  run(tokens, m, pos0, logit_rows, head_cl_ ? nullptr : logits_.data(), ids);
}

void SplitForward::run(const int32_t* tokens, int m, int pos0, int logit_rows, float* logits, int32_t* ids) {
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
  truncate(pos0);
  const int64_t d = s.d_model;
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
      move_to(head_cl_);
      if (ids && head_cl_) {
        head_cl_->head_argmax(mc, rows, ids + (from - first_row));
        continue;
      }
      float* out = logits + size_t(from - first_row) * s.n_logits();  // (rows, n_logits)
      if (head_cl_) head_cl_->head(mc, rows, out);
      else cpu_.head(x_.data() + int64_t(mc - rows) * d, rows, out);
      for (int r = 0; ids && r < rows; ++r) ids[from - first_row + r] = argmax(out + size_t(r) * s.n_logits(), s.n_logits());
    }
  }
  length_ = pos0 + m;
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
                       fw.spec().n_logits(), fw.weights().head_token_ids, prompt, opt, on_token);
}

}  // namespace hetspec::ocl
