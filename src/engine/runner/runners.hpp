// Private to engine/runner: the concrete runners the factory chooses between.
#pragma once
#include <memory>

#include "hetspec/engine/runner/runner_factory.hpp"

namespace hetspec {

std::unique_ptr<Runner> make_cpu_runner(const CpuModel& model, const RunnerSpec& rs, DeviceRegistry& reg);
#ifdef HETSPEC_WITH_OPENCL
std::unique_ptr<Runner> make_split_runner(const CpuModel& model, const RunnerSpec& rs, DeviceRegistry& reg);
#endif

}  // namespace hetspec
