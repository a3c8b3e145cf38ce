#include <sys/utsname.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <thread>

#include "hetspec/bench/host.hpp"
#include "hetspec/core/version.hpp"
#include "hetspec/engine/cpu/matmul.hpp"
#ifdef HETSPEC_WITH_OPENCL
#include "hetspec/engine/opencl/devices.hpp"
#endif

namespace hetspec::bench {

std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0 || line.rfind("Model name", 0) == 0) {
      auto p = line.find(':');
      if (p != std::string::npos) return line.substr(line.find_first_not_of(" \t", p + 1));
    }
  return "unknown CPU";
}

double last_level_cache_bytes() {
  double best = 0;
  for (int i = 0; i < 8; ++i) {
    std::ifstream in("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/size");
    std::string s;
    if (!(in >> s) || s.empty()) continue;
    double v = std::atof(s.c_str());
    char unit = s.back();
    if (unit == 'K') v *= 1024;
    else if (unit == 'M') v *= 1024 * 1024;
    best = std::max(best, v);
  }
  return best;
}


Provenance host_provenance(const std::vector<std::string>& cl_ids, const std::string& command) {
  Provenance p;
  p.cpu = cpu_model_name();
  p.cores = int(std::thread::hardware_concurrency());
  p.isa = cpu_paths_description();
  struct utsname u;
  if (uname(&u) == 0) p.os = std::string(u.sysname) + " " + u.release + " " + u.machine;
  p.git = git_revision();  // of the build that measured, not of whatever directory it ran in
  char date[32];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  p.date = date;
  p.command = command;
#ifdef HETSPEC_WITH_OPENCL
  if (!cl_ids.empty()) {
    auto disc = ocl::discover_cl_devices();
    for (const auto& id : cl_ids)
      for (const auto& d : disc.devices)
        if (d.id == id) {
          if (!p.opencl.empty()) p.opencl += "; ";
          p.opencl += d.id + ": " + d.name + " (" + d.platform_name + " " + d.platform_version + ", driver " +
                      d.driver_version + ")";
        }
  }
#endif
  return p;
}

}  // namespace hetspec::bench
