// The processing units a plan can name: the host CPU ("cpu") and every OpenCL device ("cl:0",
// "cl:1", ...). Ids are stable: platforms are ordered by (name, vendor, version), devices keep their
// order inside a platform, so the same machine gives the same ids whatever order the ICD loader
// reads /etc/OpenCL/vendors in. Discovery never throws for a missing platform or loader failure:
// it reports the problem in one line and the CPU still works.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "hetspec/engine/opencl/cl_check.hpp"

namespace hetspec::ocl {

struct CacheLevel {
  int level = 0;          // 1, 2, 3
  std::string type;       // "Data", "Instruction", "Unified"
  uint64_t size_bytes = 0;
  int shared_by = 1;      // logical CPUs sharing this cache
};

struct CpuInfo {
  std::string model;                  // "AMD EPYC 9R14" (from /proc/cpuinfo)
  std::string arch;                   // "x86_64", "aarch64"
  int logical_cores = 0;
  std::vector<std::string> features;  // of interest: avx2 avx512f avx512_vnni f16c fma neon dotprod i8mm sve
  std::vector<CacheLevel> caches;     // from /sys/devices/system/cpu/cpu0/cache
};

// Reads /proc/cpuinfo and /sys; missing files give empty fields, never an error.
CpuInfo probe_cpu();

struct ClDeviceInfo {
  std::string id;                 // "cl:0"
  int platform_index = 0;         // in hetspec's stable order
  std::string platform_name, platform_vendor, platform_version;
  std::string name, vendor, driver_version, device_version, opencl_c_version;
  std::string extensions;         // CL_DEVICE_EXTENSIONS (space-separated; in `devices --json`)
  std::string type;               // "CPU", "GPU", "ACCELERATOR", "OTHER"
  unsigned compute_units = 0;
  unsigned max_clock_mhz = 0;
  uint64_t global_mem_bytes = 0, local_mem_bytes = 0, max_alloc_bytes = 0;
  size_t max_work_group_size = 0;
  bool unified_memory = false;    // CL_DEVICE_HOST_UNIFIED_MEMORY
  cl_platform_id platform = nullptr;
  cl_device_id device = nullptr;
};

struct ClDiscovery {
  std::vector<ClDeviceInfo> devices;
  std::string problem;  // "" when at least one device was found; else why not (one line)
};

ClDiscovery discover_cl_devices();

// "cl:2" -> 2; throws Error for anything else.
int parse_cl_id(const std::string& id);

}  // namespace hetspec::ocl
