// The split runner: layer ranges on the CPU and OpenCL devices (SplitForward), devices borrowed from
// the registry. Also runs a whole model on one OpenCL device (a single range).
#include <algorithm>
#include <chrono>
#include <vector>

#include "../runners.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/engine/opencl/split_forward.hpp"

namespace hetspec {

namespace {

class SplitRunner final : public Runner {
 public:
  SplitRunner(const CpuModel& model, const RunnerSpec& rs, DeviceRegistry& reg)
      : cpu_(model.cpu_weights(), rs.max_batch, reg.cpu_pool(rs.threads)),
        threads_(rs.threads),
        sf_(rs.plan, model.weights(), cpu_, rs.capacity, rs.max_batch, [&reg](int i) -> ocl::Device& { return reg.cl(i); }),
        batch_invariant_(rs.batch_invariant) {
    if (model.spec().reads_features)
      throw Error(sf_.describe(), "a feature-reading (eagle) draft runs on the CPU in this version; place it on cpu");
    cpu_.set_batch_invariant(rs.batch_invariant);
  }
  const ModelSpec& spec() const override { return sf_.spec(); }
  int layers() const override { return sf_.layers(); }
  int capacity() const override { return sf_.capacity(); }
  int length() const override { return sf_.length(); }
  const float* forward(const int32_t* tokens, int m, int pos0, int logit_rows, const float* features) override {
    check_call(tokens, m, pos0, logit_rows, features);
    const float* out = nullptr;
    timed(m, pos0, [&] {
      out = batch_invariant_ && m > 1 ? token_by_token(tokens, m, pos0, logit_rows) : sf_.forward(tokens, m, pos0, logit_rows);
    });
    return out;
  }
  void forward_argmax(const int32_t* tokens, int m, int pos0, int logit_rows, const float* features,
                      int32_t* ids) override {
    if (batch_invariant_ && m > 1) return Runner::forward_argmax(tokens, m, pos0, logit_rows, features, ids);
    check_call(tokens, m, pos0, logit_rows, features);
    timed(m, pos0, [&] { sf_.forward_argmax(tokens, m, pos0, logit_rows, ids); });
    const std::span<const int32_t> vmap = vocab_map();
    for (int r = 0; r < logit_rows && !vmap.empty(); ++r) ids[r] = vmap[size_t(ids[r])];
  }
  void truncate(int n) override { sf_.truncate(n); }
  RunnerStats stats() const override {
    RunnerStats s = st_;
    auto h = sf_.stats();
    s.handoffs = h.handoffs;
    s.handoff_s = h.handoff_s;
    s.handoff_bytes = h.handoff_bytes;
    return s;
  }
  std::string describe() const override { return sf_.describe(); }
  std::span<const int32_t> vocab_map() const override { return sf_.weights().head_token_ids; }

 private:
  // Batch-invariant mode: the OpenCL GEMM (m > 1) sums in another order than the GEMV, so an m-token
  // forward runs as m one-token forwards, each row then bit-equal to decoding (m launches per kernel).
  const float* token_by_token(const int32_t* tokens, int m, int pos0, int logit_rows) {
    const int64_t V = sf_.spec().n_logits();
    rows_.resize(size_t(logit_rows) * size_t(V));
    for (int i = 0; i < m; ++i) {
      const float* row = sf_.forward(tokens + i, 1, pos0 + i, 1);
      if (i >= m - logit_rows) std::copy(row, row + V, rows_.data() + int64_t(i - (m - logit_rows)) * V);
    }
    return rows_.data();
  }

  // Runs one forward f of m tokens from pos0 into the stats; a failure leaves the cache at pos0.
  template <class F>
  void timed(int m, int pos0, F&& f) {
    auto t0 = std::chrono::steady_clock::now();
    try {
      f();
    } catch (...) {
      sf_.truncate(pos0);
      throw;
    }
    st_.forwards++;
    st_.tokens += m;
    st_.forward_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  CpuForward cpu_;
  int threads_;
  ocl::SplitForward sf_;
  bool batch_invariant_;
  std::vector<float> rows_;
  RunnerStats st_;
};

}  // namespace

std::unique_ptr<Runner> make_split_runner(const CpuModel& model, const RunnerSpec& rs, DeviceRegistry& reg) {
  return std::make_unique<SplitRunner>(model, rs, reg);
}

}  // namespace hetspec
