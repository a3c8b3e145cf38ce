#include "hetspec/engine/runner/device_registry.hpp"

#include "hetspec/core/error.hpp"
#include "hetspec/engine/cpu/thread_pool.hpp"
#ifdef HETSPEC_WITH_OPENCL
#include "hetspec/engine/opencl/runtime.hpp"
#endif

namespace hetspec {

#ifndef HETSPEC_WITH_OPENCL
namespace ocl {
class Device {};
}  // namespace ocl
#endif

DeviceRegistry::DeviceRegistry(std::string cl_tuning_file) : tuning_(std::move(cl_tuning_file)) {}
DeviceRegistry::~DeviceRegistry() = default;

ThreadPool* DeviceRegistry::cpu_pool(int threads) {
  check(threads >= 1 && threads <= 1024, "cpu", "threads must be in [1, 1024], got " + std::to_string(threads));
  if (threads <= 1) return nullptr;
  auto& p = pools_[threads];
  if (!p) p = std::make_unique<ThreadPool>(threads);
  return p.get();
}

bool DeviceRegistry::opencl_built() {
#ifdef HETSPEC_WITH_OPENCL
  return true;
#else
  return false;
#endif
}

ocl::Device& DeviceRegistry::cl(int index) {
  auto& d = cl_[index];
#ifdef HETSPEC_WITH_OPENCL
  if (!d) d = ocl::Device::open("cl:" + std::to_string(index), tuning_);
#else
  throw Error("cl:" + std::to_string(index), "this hetspec was built without OpenCL");
#endif
  return *d;
}

}  // namespace hetspec
