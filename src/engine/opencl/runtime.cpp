#include "hetspec/engine/opencl/runtime.hpp"

#include <algorithm>

#include "hetspec/core/error.hpp"

namespace hetspec::ocl {

Buffer::Buffer(Device& dev, size_t bytes, cl_mem_flags flags) : bytes_(bytes) {
  if (bytes == 0) bytes = 4;  // OpenCL forbids empty buffers; keep bytes_ = 0 for callers
  if (dev.info().max_alloc_bytes && bytes > dev.info().max_alloc_bytes)
    throw Error(dev.label(), "buffer of " + std::to_string(bytes) + " bytes exceeds the device's maximum allocation of " +
                                 std::to_string(dev.info().max_alloc_bytes) + " bytes");
  mem_ = HS_CL_RET(dev.label(), clCreateBuffer(dev.context(), flags, bytes, nullptr, &hs_err));
}

Buffer::~Buffer() {
  if (mem_) clReleaseMemObject(mem_);
}

Buffer& Buffer::operator=(Buffer&& o) noexcept {
  if (this != &o) {
    if (mem_) clReleaseMemObject(mem_);
    mem_ = std::exchange(o.mem_, nullptr);
    bytes_ = std::exchange(o.bytes_, 0);
  }
  return *this;
}

Event::~Event() {
  if (ev_) clReleaseEvent(ev_);
}

Event& Event::operator=(Event&& o) noexcept {
  if (this != &o) {
    if (ev_) clReleaseEvent(ev_);
    ev_ = std::exchange(o.ev_, nullptr);
  }
  return *this;
}

void Event::wait() {
  if (!ev_) return;
  const cl_int err = clWaitForEvents(1, &ev_);
  clReleaseEvent(std::exchange(ev_, nullptr));
  if (err != CL_SUCCESS) throw Error("OpenCL", "waiting for a transfer failed (" + std::to_string(err) + ")");
}

cl_event* Event::slot() {
  if (ev_) clReleaseEvent(std::exchange(ev_, nullptr));
  return &ev_;
}

PinnedHost::PinnedHost(Device& dev, size_t bytes) : dev_(&dev), buf_(dev, bytes, CL_MEM_READ_WRITE | CL_MEM_ALLOC_HOST_PTR) {
  ptr_ = HS_CL_RET(dev.label(), clEnqueueMapBuffer(dev.queue(), buf_.get(), CL_TRUE, CL_MAP_READ | CL_MAP_WRITE, 0,
                                                   buf_.bytes() ? buf_.bytes() : 4, 0, nullptr, nullptr, &hs_err));
}

void PinnedHost::release() {
  if (ptr_ && dev_) {
    clEnqueueUnmapMemObject(dev_->queue(), buf_.get(), ptr_, 0, nullptr, nullptr);
    clFinish(dev_->queue());
  }
  ptr_ = nullptr;
  buf_ = Buffer();
}

PinnedHost::~PinnedHost() { release(); }

PinnedHost::PinnedHost(PinnedHost&& o) noexcept
    : dev_(std::exchange(o.dev_, nullptr)), buf_(std::move(o.buf_)), ptr_(std::exchange(o.ptr_, nullptr)) {}

PinnedHost& PinnedHost::operator=(PinnedHost&& o) noexcept {
  if (this != &o) {
    release();
    dev_ = std::exchange(o.dev_, nullptr);
    buf_ = std::move(o.buf_);
    ptr_ = std::exchange(o.ptr_, nullptr);
  }
  return *this;
}

std::unique_ptr<Device> Device::open(const std::string& id, const std::string& tuning_file) {
  int idx = parse_cl_id(id);
  ClDiscovery d = discover_cl_devices();
  if (idx >= static_cast<int>(d.devices.size())) {
    std::string have = d.devices.empty() ? d.problem : "";
    for (auto& i : d.devices) have += (have.empty() ? "" : ", ") + i.id + " (" + i.name + ")";
    throw Error("device '" + id + "'", "no such OpenCL device; available: " + have);
  }
  return std::make_unique<Device>(d.devices[idx], tuning_file);
}

Device::Device(const ClDeviceInfo& info, const std::string& tuning_file)
    : info_(info), tuning_(tuning_for(info, tuning_file)), label_(info.id + " (" + info.name + ")") {
  cl_context_properties props[] = {CL_CONTEXT_PLATFORM, reinterpret_cast<cl_context_properties>(info.platform), 0};
  ctx_ = HS_CL_RET(label_, clCreateContext(props, 1, &info_.device, nullptr, nullptr, &hs_err));
  try {
    queue_ = HS_CL_RET(label_, clCreateCommandQueue(ctx_, info_.device, CL_QUEUE_PROFILING_ENABLE, &hs_err));
  } catch (...) {
    clReleaseContext(ctx_);
    throw;
  }
}

Device::~Device() {
  if (queue_) clFinish(queue_);
  scratch_ = Buffer();
  for (auto& [n, e] : events_) clReleaseEvent(e);
  for (auto& [k, kern] : kernels_) clReleaseKernel(kern);
  for (auto& [k, p] : programs_) clReleaseProgram(p);
  if (queue_) clReleaseCommandQueue(queue_);
  if (ctx_) clReleaseContext(ctx_);
}

const Buffer& Device::scratch(size_t bytes) {
  if (scratch_.bytes() < bytes) scratch_ = Buffer(*this, std::max(bytes, 2 * scratch_.bytes()));
  return scratch_;
}

cl_program Device::program(const std::vector<std::string>& files, const std::string& defines) {
  std::string key;
  for (auto& f : files) key += f + "|";
  key += defines;
  if (auto it = programs_.find(key); it != programs_.end()) return it->second;
  std::string src;
  std::string names;
  for (auto& f : files) {
    auto& emb = hetspec::embedded_files();
    auto it = emb.find(f);
    if (it == emb.end()) throw Error(label_, "no embedded OpenCL source named " + f);
    src += "// ---- " + f + "\n" + it->second + "\n";
    names += (names.empty() ? "" : "+") + f;
  }
  const char* s = src.c_str();
  size_t len = src.size();
  cl_program p = HS_CL_RET(label_, clCreateProgramWithSource(ctx_, 1, &s, &len, &hs_err));
  std::string opts = "-cl-std=CL1.2 " + defines;
  auto t0 = std::chrono::steady_clock::now();
  cl_int err = clBuildProgram(p, 1, &info_.device, opts.c_str(), nullptr, nullptr);
  build_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (err != CL_SUCCESS) {
    size_t n = 0;
    std::string log;
    if (clGetProgramBuildInfo(p, info_.device, CL_PROGRAM_BUILD_LOG, 0, nullptr, &n) == CL_SUCCESS && n > 1) {
      log.resize(n);
      clGetProgramBuildInfo(p, info_.device, CL_PROGRAM_BUILD_LOG, n, log.data(), nullptr);
      while (!log.empty() && (log.back() == '\0' || log.back() == '\n')) log.pop_back();
      if (log.size() > 6000) log = log.substr(0, 6000) + "\n... (build log truncated)";
    }
    clReleaseProgram(p);
    throw Error(label_, "clBuildProgram(" + names + ", \"" + opts + "\") failed: " + cl_error_name(err) + " (" +
                            std::to_string(err) + ")\nbuild log:\n" + (log.empty() ? "(empty)" : log));
  }
  ++programs_built_;
  programs_[key] = p;
  return p;
}

cl_kernel Device::kernel(const std::vector<std::string>& files, const std::string& defines, const std::string& name) {
  cl_program p = program(files, defines);
  auto key = std::make_pair(p, name);
  if (auto it = kernels_.find(key); it != kernels_.end()) return it->second;
  cl_kernel k = HS_CL_RET(label_ + " kernel " + name, clCreateKernel(p, name.c_str(), &hs_err));
  kernels_[key] = k;
  return k;
}

cl_kernel Device::create_kernel(const std::vector<std::string>& files, const std::string& defines,
                                const std::string& name) {
  cl_program p = program(files, defines);
  return HS_CL_RET(label_ + " kernel " + name, clCreateKernel(p, name.c_str(), &hs_err));
}

void Device::write(const Buffer& b, const void* src, size_t bytes, size_t offset) {
  if (bytes == 0) return;
  if (offset + bytes > b.bytes()) throw Error(label_, "write of " + std::to_string(bytes) + " bytes past the buffer end");
  HS_CL_CHECK(label_, clEnqueueWriteBuffer(queue_, b.get(), CL_TRUE, offset, bytes, src, 0, nullptr, nullptr));
}

void Device::write_async(const Buffer& b, const void* src, size_t bytes, size_t offset, Event* done) {
  if (bytes == 0) return;
  if (offset + bytes > b.bytes()) throw Error(label_, "write of " + std::to_string(bytes) + " bytes past the buffer end");
  HS_CL_CHECK(label_, clEnqueueWriteBuffer(queue_, b.get(), CL_FALSE, offset, bytes, src, 0, nullptr, done ? done->slot() : nullptr));
}

void Device::read(const Buffer& b, void* dst, size_t bytes, size_t offset) {
  if (bytes == 0) return;
  if (offset + bytes > b.bytes()) throw Error(label_, "read of " + std::to_string(bytes) + " bytes past the buffer end");
  HS_CL_CHECK(label_, clEnqueueReadBuffer(queue_, b.get(), CL_TRUE, offset, bytes, dst, 0, nullptr, nullptr));
}

void Device::copy(const Buffer& src, const Buffer& dst, size_t bytes, size_t src_off, size_t dst_off) {
  if (bytes == 0) return;
  if (src_off + bytes > src.bytes() || dst_off + bytes > dst.bytes())
    throw Error(label_, "copy of " + std::to_string(bytes) + " bytes past a buffer end");
  HS_CL_CHECK(label_, clEnqueueCopyBuffer(queue_, src.get(), dst.get(), src_off, dst_off, bytes, 0, nullptr, nullptr));
}

void Device::finish() { HS_CL_CHECK(label_, clFinish(queue_)); }

void Device::launch(cl_kernel k, const char* name, int dims, const size_t* global, const size_t* local) {
  cl_event ev = nullptr;
  HS_CL_CHECK(label_ + " kernel " + name,
              clEnqueueNDRangeKernel(queue_, k, dims, nullptr, global, local, 0, nullptr, profiling_ ? &ev : nullptr));
  if (ev) events_.emplace_back(name, ev);
}

std::vector<KernelTime> Device::take_kernel_times() {
  finish();
  std::vector<KernelTime> out;
  for (auto& [n, e] : events_) {
    cl_ulong t0 = 0, t1 = 0;
    clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_START, sizeof t0, &t0, nullptr);
    clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_END, sizeof t1, &t1, nullptr);
    out.push_back({n, t1 > t0 ? (t1 - t0) * 1e-9 : 0.0, double(t0) * 1e-9, double(t1) * 1e-9});
    clReleaseEvent(e);
  }
  events_.clear();
  return out;
}

void Device::set_arg(cl_kernel k, cl_uint i, const Buffer& b) {
  cl_mem m = b.get();
  set_arg_raw(k, i, sizeof(cl_mem), &m);
}

void Device::set_arg_raw(cl_kernel k, cl_uint i, size_t size, const void* v) {
  HS_CL_CHECK(label_ + " arg " + std::to_string(i), clSetKernelArg(k, i, size, v));
}

}  // namespace hetspec::ocl
