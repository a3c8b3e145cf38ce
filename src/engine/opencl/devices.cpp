#include "hetspec/engine/opencl/devices.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "hetspec/core/error.hpp"

namespace hetspec::ocl {

namespace {

std::string read_line(const std::string& path) {
  std::ifstream f(path);
  std::string s;
  if (f) std::getline(f, s);
  return s;
}

uint64_t parse_size(const std::string& s) {  // "48K", "2048K", "32M"
  if (s.empty()) return 0;
  uint64_t v = 0;
  size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) v = v * 10 + (s[i++] - '0');
  if (i < s.size()) {
    char u = s[i];
    if (u == 'K') v <<= 10;
    else if (u == 'M') v <<= 20;
    else if (u == 'G') v <<= 30;
  }
  return v;
}

int count_cpu_list(const std::string& s) {  // "0-3,8" -> 5
  int n = 0;
  std::stringstream ss(s);
  std::string part;
  while (std::getline(ss, part, ',')) {
    if (part.empty()) continue;
    auto dash = part.find('-');
    try {
      if (dash == std::string::npos) n += 1;
      else n += std::stoi(part.substr(dash + 1)) - std::stoi(part.substr(0, dash)) + 1;
    } catch (...) {
    }
  }
  return std::max(n, 1);
}

std::string platform_str(cl_platform_id p, cl_platform_info what) {
  size_t n = 0;
  if (clGetPlatformInfo(p, what, 0, nullptr, &n) != CL_SUCCESS || n == 0) return "";
  std::string s(n, '\0');
  if (clGetPlatformInfo(p, what, n, s.data(), nullptr) != CL_SUCCESS) return "";
  while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string device_str(cl_device_id d, cl_device_info what) {
  size_t n = 0;
  if (clGetDeviceInfo(d, what, 0, nullptr, &n) != CL_SUCCESS || n == 0) return "";
  std::string s(n, '\0');
  if (clGetDeviceInfo(d, what, n, s.data(), nullptr) != CL_SUCCESS) return "";
  while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.pop_back();
  return s;
}

template <class T> T device_val(cl_device_id d, cl_device_info what) {
  T v{};
  if (clGetDeviceInfo(d, what, sizeof(T), &v, nullptr) != CL_SUCCESS) return T{};
  return v;
}

}  // namespace

CpuInfo probe_cpu() {
  CpuInfo c;
#if defined(__x86_64__)
  c.arch = "x86_64";
#elif defined(__aarch64__)
  c.arch = "aarch64";
#else
  c.arch = "unknown";
#endif
  c.logical_cores = static_cast<int>(std::thread::hardware_concurrency());
  std::set<std::string> flags;
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  bool got_flags = false;
  while (std::getline(f, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    std::string val = colon + 1 < line.size() ? line.substr(colon + 2 > line.size() ? line.size() : colon + 2) : "";
    if (c.model.empty() && (key == "model name" || key == "Model" || key == "Hardware")) c.model = val;
    if (!got_flags && (key == "flags" || key == "Features")) {
      std::stringstream ss(val);
      std::string w;
      while (ss >> w) flags.insert(w);
      got_flags = true;
    }
  }
  // Report the features the kernels care about, with ARM names mapped to the usual ones.
  const std::pair<const char*, const char*> wanted[] = {
      {"sse4_2", "sse4.2"}, {"avx", "avx"}, {"avx2", "avx2"}, {"fma", "fma"}, {"f16c", "f16c"},
      {"avx512f", "avx512f"}, {"avx512bw", "avx512bw"}, {"avx512vl", "avx512vl"},
      {"avx512_vnni", "avx512_vnni"}, {"avx512_bf16", "avx512_bf16"}, {"avx_vnni", "avx_vnni"},
      {"amx_int8", "amx_int8"},
      {"asimd", "neon"}, {"asimddp", "dotprod"}, {"fphp", "fp16"}, {"i8mm", "i8mm"}, {"sve", "sve"},
      {"sve2", "sve2"}};
  for (auto& [flag, name] : wanted)
    if (flags.count(flag)) c.features.push_back(name);
  if (c.arch == "aarch64" && std::find(c.features.begin(), c.features.end(), "neon") == c.features.end())
    c.features.insert(c.features.begin(), "neon");  // baseline on aarch64
  for (int i = 0; i < 8; ++i) {
    std::string base = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/";
    std::string lvl = read_line(base + "level");
    if (lvl.empty()) continue;
    CacheLevel cl;
    try {
      cl.level = std::stoi(lvl);
    } catch (...) {
      continue;
    }
    cl.type = read_line(base + "type");
    cl.size_bytes = parse_size(read_line(base + "size"));
    cl.shared_by = count_cpu_list(read_line(base + "shared_cpu_list"));
    c.caches.push_back(cl);
  }
  return c;
}

ClDiscovery discover_cl_devices() {
  ClDiscovery out;
  cl_uint np = 0;
  cl_int err = clGetPlatformIDs(0, nullptr, &np);
  if (err != CL_SUCCESS || np == 0) {
    out.problem = err != CL_SUCCESS
                      ? std::string("no OpenCL platform: clGetPlatformIDs failed: ") + cl_error_name(err) +
                            " (no ICD found or the ICD failed to load; see /etc/OpenCL/vendors)"
                      : "no OpenCL platform installed";
    return out;
  }
  std::vector<cl_platform_id> plats(np);
  if ((err = clGetPlatformIDs(np, plats.data(), nullptr)) != CL_SUCCESS) {
    out.problem = std::string("no OpenCL platform: clGetPlatformIDs failed: ") + cl_error_name(err);
    return out;
  }
  struct P { cl_platform_id id; std::string name, vendor, version; };
  std::vector<P> ps;
  for (auto p : plats)
    ps.push_back({p, platform_str(p, CL_PLATFORM_NAME), platform_str(p, CL_PLATFORM_VENDOR),
                  platform_str(p, CL_PLATFORM_VERSION)});
  std::stable_sort(ps.begin(), ps.end(), [](const P& a, const P& b) {
    return std::tie(a.name, a.vendor, a.version) < std::tie(b.name, b.vendor, b.version);
  });
  std::vector<std::string> failures;
  for (size_t pi = 0; pi < ps.size(); ++pi) {
    cl_uint nd = 0;
    err = clGetDeviceIDs(ps[pi].id, CL_DEVICE_TYPE_ALL, 0, nullptr, &nd);
    if (err != CL_SUCCESS || nd == 0) {
      failures.push_back(ps[pi].name + ": " + (err == CL_SUCCESS ? "no devices" : cl_error_name(err)));
      continue;
    }
    std::vector<cl_device_id> ds(nd);
    if (clGetDeviceIDs(ps[pi].id, CL_DEVICE_TYPE_ALL, nd, ds.data(), nullptr) != CL_SUCCESS) continue;
    for (auto d : ds) {
      ClDeviceInfo i;
      i.id = "cl:" + std::to_string(out.devices.size());
      i.platform_index = static_cast<int>(pi);
      i.platform_name = ps[pi].name;
      i.platform_vendor = ps[pi].vendor;
      i.platform_version = ps[pi].version;
      i.name = device_str(d, CL_DEVICE_NAME);
      i.vendor = device_str(d, CL_DEVICE_VENDOR);
      i.driver_version = device_str(d, CL_DRIVER_VERSION);
      i.device_version = device_str(d, CL_DEVICE_VERSION);
      i.opencl_c_version = device_str(d, CL_DEVICE_OPENCL_C_VERSION);
      i.extensions = device_str(d, CL_DEVICE_EXTENSIONS);
      auto t = device_val<cl_device_type>(d, CL_DEVICE_TYPE);
      i.type = (t & CL_DEVICE_TYPE_GPU) ? "GPU" : (t & CL_DEVICE_TYPE_CPU) ? "CPU"
               : (t & CL_DEVICE_TYPE_ACCELERATOR) ? "ACCELERATOR" : "OTHER";
      i.compute_units = device_val<cl_uint>(d, CL_DEVICE_MAX_COMPUTE_UNITS);
      i.max_clock_mhz = device_val<cl_uint>(d, CL_DEVICE_MAX_CLOCK_FREQUENCY);
      i.global_mem_bytes = device_val<cl_ulong>(d, CL_DEVICE_GLOBAL_MEM_SIZE);
      i.local_mem_bytes = device_val<cl_ulong>(d, CL_DEVICE_LOCAL_MEM_SIZE);
      i.max_alloc_bytes = device_val<cl_ulong>(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE);
      i.max_work_group_size = device_val<size_t>(d, CL_DEVICE_MAX_WORK_GROUP_SIZE);
      i.unified_memory = device_val<cl_bool>(d, CL_DEVICE_HOST_UNIFIED_MEMORY) == CL_TRUE;
      i.platform = ps[pi].id;
      i.device = d;
      out.devices.push_back(std::move(i));
    }
  }
  if (out.devices.empty()) {
    out.problem = "no OpenCL device found";
    for (auto& f : failures) out.problem += "; " + f;
  }
  return out;
}

int parse_cl_id(const std::string& id) {
  if (id.size() < 4 || id.compare(0, 3, "cl:") != 0)
    throw Error("device '" + id + "'", "expected an OpenCL device id like cl:0");
  int n = 0;
  for (size_t i = 3; i < id.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(id[i])) || n > 100000)
      throw Error("device '" + id + "'", "expected an OpenCL device id like cl:0");
    n = n * 10 + (id[i] - '0');
  }
  return n;
}

}  // namespace hetspec::ocl
