// The split runner: layer ranges on the CPU and OpenCL devices (SplitForward), devices borrowed from
// the registry. Also runs a whole model on one OpenCL device (a single range).
#include <chrono>

#include "../runners.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/engine/opencl/split_forward.hpp"

namespace hetspec {

namespace {

class SplitRunner final : public Runner {
 public:
  SplitRunner(const CpuModel& model, const RunnerSpec& rs, DeviceRegistry& reg)
      : cpu_(model.weights(), rs.max_batch, reg.cpu_pool(rs.threads)),
        threads_(rs.threads),
        sf_(rs.plan, model.weights(), cpu_, rs.capacity, rs.max_batch, [&reg](int i) -> ocl::Device& { return reg.cl(i); }) {
    cpu_.set_batch_invariant(rs.batch_invariant);
  }
  const ModelSpec& spec() const override { return sf_.spec(); }
  int layers() const override { return sf_.layers(); }
  int capacity() const override { return sf_.capacity(); }
  int length() const override { return sf_.length(); }
  const float* forward(const int32_t* tokens, int m, int pos0, int logit_rows) override {
    check_call(tokens, m, pos0, logit_rows);
    auto t0 = std::chrono::steady_clock::now();
    const float* out = nullptr;
    try {
      out = sf_.forward(tokens, m, pos0, logit_rows);
    } catch (...) {
      sf_.truncate(pos0);
      throw;
    }
    st_.forwards++;
    st_.tokens += m;
    st_.forward_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
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

 private:
  CpuForward cpu_;
  int threads_;
  ocl::SplitForward sf_;
  RunnerStats st_;
};

}  // namespace

std::unique_ptr<Runner> make_split_runner(const CpuModel& model, const RunnerSpec& rs, DeviceRegistry& reg) {
  return std::make_unique<SplitRunner>(model, rs, reg);
}

}  // namespace hetspec
