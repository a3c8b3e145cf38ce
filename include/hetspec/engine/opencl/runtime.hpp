// One OpenCL device ready to run hetspec's kernels: its context, one in-order queue with profiling
// enabled, the tuning parameters, and a cache of programs keyed by (source files, -D defines), so a
// model shape is compiled once per device (PoCL takes ~0.2-1 s per program). Kernel sources are the
// *.cl files under src/engine/opencl/kernels/, embedded at build time (hetspec::embedded_files()).
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "hetspec/engine/opencl/cl_check.hpp"
#include "hetspec/engine/opencl/devices.hpp"
#include "hetspec/engine/opencl/tuning.hpp"

namespace hetspec {
const std::map<std::string, std::string>& embedded_files();
}

namespace hetspec::ocl {

class Device;

// A device buffer (RAII, move-only).
class Buffer {
 public:
  Buffer() = default;
  Buffer(Device& dev, size_t bytes, cl_mem_flags flags = CL_MEM_READ_WRITE);
  ~Buffer();
  Buffer(Buffer&& o) noexcept : mem_(std::exchange(o.mem_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}
  Buffer& operator=(Buffer&& o) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  cl_mem get() const { return mem_; }
  size_t bytes() const { return bytes_; }
  explicit operator bool() const { return mem_ != nullptr; }

 private:
  cl_mem mem_ = nullptr;
  size_t bytes_ = 0;
};

// An enqueued command's completion (RAII over a cl_event): a host buffer handed to a non-blocking
// transfer is reused after wait() on that transfer alone, not after a clFinish of the whole queue.
class Event {
 public:
  Event() = default;
  ~Event();
  Event(Event&& o) noexcept : ev_(std::exchange(o.ev_, nullptr)) {}
  Event& operator=(Event&& o) noexcept;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  void wait();       // blocks until the command is done (nothing held: returns at once), then forgets it
  cl_event* slot();  // releases what is held; the slot for a command's new event

 private:
  cl_event ev_ = nullptr;
};

// Host memory the device transfers to and from directly: a CL_MEM_ALLOC_HOST_PTR buffer mapped once
// (pinned on NVIDIA, as its OpenCL guide advises), so a read into it skips the driver's staging copy
// through pageable memory. Empty (bytes 0) until constructed with a size.
class PinnedHost {
 public:
  PinnedHost() = default;
  PinnedHost(Device& dev, size_t bytes);
  ~PinnedHost();
  PinnedHost(PinnedHost&& o) noexcept;
  PinnedHost& operator=(PinnedHost&& o) noexcept;
  PinnedHost(const PinnedHost&) = delete;
  PinnedHost& operator=(const PinnedHost&) = delete;
  void* data() const { return ptr_; }
  size_t bytes() const { return ptr_ ? buf_.bytes() : 0; }

 private:
  void release();
  Device* dev_ = nullptr;
  Buffer buf_;
  void* ptr_ = nullptr;
};

struct KernelTime {
  std::string name;
  double seconds = 0;         // from CL_PROFILING_COMMAND_START to _END
  double start = 0, end = 0;  // those two on the device's clock (s)
};

class Device {
 public:
  // id "cl:N" (see discover_cl_devices); throws Error naming the id and the devices available.
  static std::unique_ptr<Device> open(const std::string& id, const std::string& tuning_file = "");
  Device(const ClDeviceInfo& info, const std::string& tuning_file = "");
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  const ClDeviceInfo& info() const { return info_; }
  const Tuning& tuning() const { return tuning_; }
  const std::string& label() const { return label_; }  // "cl:0 (pthread-skylake...)"
  cl_context context() const { return ctx_; }
  cl_command_queue queue() const { return queue_; }

  // Concatenates the named embedded files and builds them with `defines` (cached).
  cl_program program(const std::vector<std::string>& files, const std::string& defines);
  cl_kernel kernel(const std::vector<std::string>& files, const std::string& defines, const std::string& name);
  // A new kernel object of that program, owned by the caller (clReleaseKernel): kernel objects hold
  // their arguments, so a call site that owns one sets them once (BoundLaunch in ops.hpp).
  cl_kernel create_kernel(const std::vector<std::string>& files, const std::string& defines, const std::string& name);
  template <class T> void set_arg_at(cl_kernel k, cl_uint i, const T& v) { set_arg(k, i, v); }
  // The same kernel found by a caller's 64-bit key (op, dtype, shape packed by the caller), so the
  // launch path builds no defines string and compares no program key: `make` runs on a miss only.
  template <class F> cl_kernel kernel_by_key(uint64_t key, F&& make) {
    if (auto it = keyed_.find(key); it != keyed_.end()) return it->second;
    cl_kernel k = make();
    keyed_.emplace(key, k);
    return k;
  }
  // A device buffer of at least `bytes` for what one op hands from one of its launches to the next
  // (the integer-dot GEMM's int8 x): the queue runs in order, so every op may reuse it. Grown on
  // demand (a buffer still used by queued launches is released by OpenCL once they finish).
  const Buffer& scratch(size_t bytes);
  int programs_built() const { return programs_built_; }
  double build_seconds() const { return build_seconds_; }

  // Blocking transfers (offset and bytes in bytes).
  void write(const Buffer& b, const void* src, size_t bytes, size_t offset = 0);
  void read(const Buffer& b, void* dst, size_t bytes, size_t offset = 0);
  // Non-blocking write: `src` must stay unchanged until the queue passes it (next finish/read, or
  // `done`'s wait when given).
  void write_async(const Buffer& b, const void* src, size_t bytes, size_t offset = 0, Event* done = nullptr);
  void copy(const Buffer& src, const Buffer& dst, size_t bytes, size_t src_off = 0, size_t dst_off = 0);
  void finish();

  // Enqueues k over `global` (rounded up to multiples of `local` by the caller) in `dims` dimensions.
  void launch(cl_kernel k, const char* name, int dims, const size_t* global, const size_t* local);
  // When on, every launch keeps its event; take_kernel_times() waits and returns their durations.
  void set_profiling(bool on) { profiling_ = on; }
  std::vector<KernelTime> take_kernel_times();

  template <class... A> void set_args(cl_kernel k, const A&... a) {
    cl_uint i = 0;
    (set_arg(k, i++, a), ...);
  }

 private:
  void set_arg(cl_kernel k, cl_uint i, const Buffer& b);
  template <class T> void set_arg(cl_kernel k, cl_uint i, const T& v) { set_arg_raw(k, i, sizeof(T), &v); }
  void set_arg_raw(cl_kernel k, cl_uint i, size_t size, const void* v);

  ClDeviceInfo info_;
  Tuning tuning_;
  std::string label_;
  cl_context ctx_ = nullptr;
  cl_command_queue queue_ = nullptr;
  std::map<std::string, cl_program> programs_;
  std::map<std::pair<cl_program, std::string>, cl_kernel> kernels_;
  std::unordered_map<uint64_t, cl_kernel> keyed_;  // views into kernels_ (released there)
  bool profiling_ = false;
  Buffer scratch_;
  std::vector<std::pair<std::string, cl_event>> events_;
  int programs_built_ = 0;
  double build_seconds_ = 0;
};

// Rounds n up to a multiple of m.
inline size_t round_up(size_t n, size_t m) { return (n + m - 1) / m * m; }

}  // namespace hetspec::ocl
