// The processors one process drives, opened once and shared: one thread pool per CPU thread count
// (a draft and a target on the CPU share the pool, as they share the cores), and one OpenCL Device per
// id (a draft and a target on the same device share its context, queue and compiled programs).
// Runners borrow from it; it must outlive them.
#pragma once
#include <map>
#include <memory>
#include <string>

namespace hetspec {

class ThreadPool;
namespace ocl {
class Device;
}

class DeviceRegistry {
 public:
  explicit DeviceRegistry(std::string cl_tuning_file = "");
  ~DeviceRegistry();
  DeviceRegistry(const DeviceRegistry&) = delete;
  DeviceRegistry& operator=(const DeviceRegistry&) = delete;

  // nullptr for threads <= 1 (the calling thread does the work).
  ThreadPool* cpu_pool(int threads);
  // OpenCL device "cl:index"; throws Error naming the id when absent or when built without OpenCL.
  ocl::Device& cl(int index);
  static bool opencl_built();

 private:
  std::string tuning_;
  std::map<int, std::unique_ptr<ThreadPool>> pools_;
  std::map<int, std::unique_ptr<ocl::Device>> cl_;
};

}  // namespace hetspec
