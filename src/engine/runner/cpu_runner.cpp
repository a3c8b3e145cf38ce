// The CPU runner: one CpuForward (scratch for this model) over the shared weights and the registry's
// thread pool, and one KV cache over the layers it runs ([0, K) for a self-draft).
#include <algorithm>
#include <chrono>

#include "hetspec/core/error.hpp"
#include "runners.hpp"

namespace hetspec {

namespace {

class CpuRunner final : public Runner {
 public:
  CpuRunner(const CpuModel& model, const RunnerSpec& rs, DeviceRegistry& reg)
      : fw_(model.cpu_weights(), rs.max_batch, reg.cpu_pool(rs.threads)),
        layers_(rs.plan.n_layers()),
        kv_(fw_.make_cache(rs.capacity, 0, layers_)) {
    fw_.set_batch_invariant(rs.batch_invariant);
  }
  const ModelSpec& spec() const override { return fw_.spec(); }
  int layers() const override { return layers_; }
  int capacity() const override { return kv_.capacity(); }
  int length() const override { return kv_.length(); }
  const float* forward(const int32_t* tokens, int m, int pos0, int logit_rows, const float* features) override {
    check_call(tokens, m, pos0, logit_rows, features);
    auto t0 = std::chrono::steady_clock::now();
    kv_.truncate(pos0);
    const float* out = nullptr;
    try {
      out = fw_.forward(tokens, m, pos0, kv_, logit_rows, layers_, features);
    } catch (...) {
      kv_.truncate(pos0);
      throw;
    }
    st_.forwards++;
    st_.tokens += m;
    st_.forward_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
  }
  void truncate(int n) override { kv_.truncate(std::max(0, n)); }
  void keep_features(bool on) override { fw_.set_keep_features(on); }
  const float* features() const override { return fw_.keep_features() ? fw_.features() : nullptr; }
  RunnerStats stats() const override { return st_; }
  std::string describe() const override { return "cpu[0," + std::to_string(layers_) + "), head on cpu"; }
  std::span<const int32_t> vocab_map() const override { return fw_.weights().head_token_ids; }

 private:
  CpuForward fw_;
  int layers_;
  KvCache kv_;
  RunnerStats st_;
};

}  // namespace

std::unique_ptr<Runner> make_cpu_runner(const CpuModel& model, const RunnerSpec& rs, DeviceRegistry& reg) {
  return std::make_unique<CpuRunner>(model, rs, reg);
}

}  // namespace hetspec
