// Host-side figures of a profile: sampling cost per vocabulary entry (the engine's own Sampler,
// greedy argmax and a full-softmax draw), whole-model forwards through a Runner kept as a check, and
// provenance (CPU model, cores, ISA path, OpenCL platform / driver, OS, git hash, date, command).
#pragma once
#include <string>
#include <vector>

#include "hetspec/bench/measure.hpp"
#include "hetspec/engine/cpu_model.hpp"
#include "hetspec/engine/runner/device_registry.hpp"
#include "hetspec/profile/profile.hpp"

namespace hetspec::bench {

struct SamplingCost {
  double greedy_ns_per_vocab = 0;
  double softmax_ns_per_vocab = 0;
};
SamplingCost bench_sampling(int64_t vocab, const MeasureOptions& opt);

// Forward of m tokens after n cached positions (all m rows of logits) through make_runner on
// `device` ("cpu", "cl:0"), for each (m, n); the cache is prefilled to max(ns) once.
std::vector<ForwardCheck> bench_forward(const CpuModel& model, const std::string& device, int threads,
                                        DeviceRegistry& reg, const std::vector<int>& ms, const std::vector<int>& ns,
                                        const MeasureOptions& opt);

// cl_ids: the OpenCL devices profiled (their platform and driver are recorded).
Provenance host_provenance(const std::vector<std::string>& cl_ids, const std::string& command);
std::string cpu_model_name();
double last_level_cache_bytes();  // from sysfs; 0 when unknown

}  // namespace hetspec::bench
