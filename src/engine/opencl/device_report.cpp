#include "hetspec/engine/opencl/device_report.hpp"
#include "hetspec/core/output_stamp.hpp"

#include <cstdio>
#include <sstream>

namespace hetspec::ocl {

std::string format_bytes(uint64_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (v == static_cast<uint64_t>(v)) std::snprintf(buf, sizeof buf, "%llu %s", static_cast<unsigned long long>(v), units[u]);
  else std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

namespace {
std::string cache_name(const CacheLevel& c) {
  std::string n = "L" + std::to_string(c.level);
  if (c.type == "Data") n += "d";
  else if (c.type == "Instruction") n += "i";
  return n;
}
}  // namespace

std::string format_devices(const CpuInfo& cpu, const ClDiscovery& cl) {
  std::ostringstream o;
  o << "cpu    " << (cpu.model.empty() ? "unknown CPU" : cpu.model) << " (" << cpu.arch << "), " << cpu.logical_cores
    << " logical cores\n";
  o << "       features:";
  if (cpu.features.empty()) o << " (none detected)";
  for (auto& f : cpu.features) o << " " << f;
  o << "\n       caches:";
  if (cpu.caches.empty()) o << " (unknown)";
  for (size_t i = 0; i < cpu.caches.size(); ++i) {
    auto& c = cpu.caches[i];
    o << (i ? ", " : " ") << cache_name(c) << " " << format_bytes(c.size_bytes);
    if (c.shared_by > 1) o << " (shared by " << c.shared_by << ")";
  }
  o << "\n";
  if (cl.devices.empty()) {
    o << "OpenCL: " << cl.problem << "\n";
    return o.str();
  }
  for (auto& d : cl.devices) {
    o << d.id << (d.id.size() < 7 ? std::string(7 - d.id.size(), ' ') : " ") << d.name << " [" << d.type << "]\n";
    o << "       platform: " << d.platform_name << " (" << d.platform_vendor << "), " << d.platform_version << "\n";
    o << "       vendor: " << d.vendor << ", driver " << d.driver_version << ", " << d.opencl_c_version << "\n";
    o << "       compute units: " << d.compute_units << " @ " << d.max_clock_mhz << " MHz, global memory "
      << format_bytes(d.global_mem_bytes) << " (max alloc " << format_bytes(d.max_alloc_bytes) << "), local memory "
      << format_bytes(d.local_mem_bytes) << ", max work-group " << d.max_work_group_size << ", unified memory "
      << (d.unified_memory ? "yes" : "no") << "\n";
  }
  return o.str();
}

nlohmann::json devices_json(const CpuInfo& cpu, const ClDiscovery& cl) {
  nlohmann::json j;
  stamp_output(j, "hetspec.devices/1");
  nlohmann::json c = {{"id", "cpu"}, {"model", cpu.model}, {"arch", cpu.arch}, {"logical_cores", cpu.logical_cores},
                      {"features", cpu.features}};
  c["caches"] = nlohmann::json::array();
  for (auto& x : cpu.caches)
    c["caches"].push_back({{"level", x.level}, {"type", x.type}, {"size_bytes", x.size_bytes}, {"shared_by", x.shared_by}});
  j["cpu"] = c;
  j["opencl"] = nlohmann::json::array();
  for (auto& d : cl.devices)
    j["opencl"].push_back({{"id", d.id},
                           {"name", d.name},
                           {"type", d.type},
                           {"vendor", d.vendor},
                           {"platform", d.platform_name},
                           {"platform_vendor", d.platform_vendor},
                           {"platform_version", d.platform_version},
                           {"driver_version", d.driver_version},
                           {"device_version", d.device_version},
                           {"opencl_c_version", d.opencl_c_version},
                           {"extensions", d.extensions},
                           {"compute_units", d.compute_units},
                           {"max_clock_mhz", d.max_clock_mhz},
                           {"global_mem_bytes", d.global_mem_bytes},
                           {"local_mem_bytes", d.local_mem_bytes},
                           {"max_alloc_bytes", d.max_alloc_bytes},
                           {"max_work_group_size", d.max_work_group_size},
                           {"unified_memory", d.unified_memory}});
  if (!cl.problem.empty()) j["opencl_problem"] = cl.problem;
  return j;
}

}  // namespace hetspec::ocl
