// Host-side figures of a profile: sampling cost per vocabulary entry (the engine's own Sampler,
// greedy argmax and a full-softmax draw), whole-model forwards through a Runner kept as a check, and
// provenance (CPU model, cores, ISA path, OpenCL platform / driver, OS, git hash, date, command).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hetspec/bench/measure.hpp"
#include "hetspec/engine/cpu_model.hpp"
#include "hetspec/engine/runner/device_registry.hpp"
#include "hetspec/profile/profile.hpp"

namespace hetspec {
class Runner;
}

namespace hetspec::bench {

struct SamplingCost {
  double greedy_ns_per_vocab = 0;
  double softmax_ns_per_vocab = 0;
};
SamplingCost bench_sampling(int64_t vocab, const MeasureOptions& opt);

// Forward of m tokens after n cached positions (all m rows of logits, or the last row only when
// last_row_only: llama-bench's prompt batches) through make_runner on
// `device` ("cpu", "cl:0"), for each (m, n). The runner and its cache, prefilled once to the longest
// context, live as long as the object, so the profiler's rounds measure again without a new prefill
// of the whole context (a forward at n cuts the cache to n + m; a later longer n fills only the gap).
class ForwardBench {
 public:
  ForwardBench(const CpuModel& model, const std::string& device, int threads, DeviceRegistry& reg, int max_m, int max_n);
  ~ForwardBench();
  std::vector<ForwardCheck> measure(const std::vector<int>& ms, const std::vector<int>& ns, const MeasureOptions& opt,
                                    bool last_row_only = false);
  std::string describe() const;  // the runner's description

 private:
  const CpuModel& model_;
  int threads_, max_m_, max_n_;
  std::unique_ptr<Runner> runner_;
  std::vector<int32_t> tokens_;
  std::vector<float> features_;  // (max(max_m, max_n), d) zeros: a feature-reading draft's input (its cost)
  const float* features() const { return features_.empty() ? nullptr : features_.data(); }
  int len_ = 0;  // positions the cache holds
  void fill_to(int n);
};

// One-shot: a ForwardBench over (ms, ns).
std::vector<ForwardCheck> bench_forward(const CpuModel& model, const std::string& device, int threads,
                                        DeviceRegistry& reg, const std::vector<int>& ms, const std::vector<int>& ns,
                                        const MeasureOptions& opt);

// cl_ids: the OpenCL devices profiled (their platform and driver are recorded).
Provenance host_provenance(const std::vector<std::string>& cl_ids, const std::string& command);
std::string cpu_model_name();
double last_level_cache_bytes();  // from sysfs; 0 when unknown

}  // namespace hetspec::bench
