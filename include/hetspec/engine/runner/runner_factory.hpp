// Builds the runner a placement asks for, so no command branches on backends: the CPU runner when
// every layer and the head are on "cpu", the split runner (CPU and OpenCL ranges) otherwise.
// Models are loaded once (CpuModel: the memory-mapped GGUF and its weight views) and shared by every
// runner over them: a `self:K` draft runs the target's own first K layers and head (layers = K).
#pragma once
#include <memory>
#include <string>

#include "hetspec/engine/cpu_model.hpp"
#include "hetspec/engine/runner/device_plan.hpp"
#include "hetspec/engine/runner/device_registry.hpp"
#include "hetspec/engine/runner/runner.hpp"

namespace hetspec {

struct RunnerSpec {
  DevicePlan plan;              // where layers [0, plan.n_layers()) and the head run
  int threads = 1;              // CPU threads (for every CPU range of the plan)
  int capacity = 0;             // KV positions (0: the model's context, at most 4096)
  int max_batch = 64;           // most tokens per internal step
  bool batch_invariant = false; // row i of an m-token forward bit-equal to a 1-token forward
};

// model must outlive the runner (as must the registry).
std::unique_ptr<Runner> make_runner(const CpuModel& model, const RunnerSpec& spec, DeviceRegistry& reg);

}  // namespace hetspec
