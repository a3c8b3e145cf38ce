// `hetspec bench-opencl`: per OpenCL device, GEMV/GEMM bandwidth on Llama-1B-shaped layers vs the
// device's copy bandwidth, launch + clFinish latency, host <-> device transfers. One key=value line
// per measurement (or --json).
#include <iostream>
#include <memory>
#include <sstream>

#include "hetspec/core/error.hpp"
#include "hetspec/core/output_stamp.hpp"
#include "hetspec/core/utf8.hpp"
#include "hetspec/engine/opencl/cl_bench.hpp"
#include "hetspec/engine/opencl/cl_launch_probe.hpp"
#include "hetspec/engine/opencl/ops.hpp"
#include "registry.hpp"

namespace {
struct Args {
  std::string device = "all";
  double weights_mb = 256;
  int reps = 5;
  std::string dtypes = "q4_1,q8_0,f16";
  std::string ms = "1";
  bool json = false;
  bool no_head = false;
  bool launch_probe = false;
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string p;
  while (std::getline(ss, p, ','))
    if (!p.empty()) out.push_back(p);
  return out;
}

int run(const Args& a) {
  using namespace hetspec;
  ocl::ClBenchOptions opt;
  opt.weights_mb = a.weights_mb;
  opt.reps = a.reps;
  opt.head = !a.no_head;
  opt.dtypes.clear();
  for (auto& d : split(a.dtypes)) {
    auto t = parse_dtype(d);
    if (!t || !ocl::cl_supports_dtype(*t)) throw Error("bench-opencl: --dtypes", "unsupported dtype '" + d + "'");
    opt.dtypes.push_back(*t);
  }
  opt.ms.clear();
  for (auto& m : split(a.ms)) {
    try {
      opt.ms.push_back(std::stoi(m));
    } catch (...) {
      throw Error("bench-opencl: --m", "not a number: '" + m + "'");
    }
  }
  std::vector<std::string> ids;
  if (a.device == "all") {
    auto disc = ocl::discover_cl_devices();
    if (disc.devices.empty()) {
      std::cout << "opencl_problem=\"" << disc.problem << "\"\n";
      return 0;
    }
    for (auto& d : disc.devices) ids.push_back(d.id);
  } else {
    ids = split(a.device);
  }
  nlohmann::json all = nlohmann::json::array();
  for (auto& id : ids) {
    auto dev = ocl::Device::open(id);
    if (a.launch_probe) {
      std::cout << ocl::format_launch_probe(*dev, ocl::probe_launches(*dev)) << std::flush;
      continue;
    }
    auto r = ocl::bench_device(*dev, opt);
    if (a.json) all.push_back(ocl::bench_json(r));
    else std::cout << ocl::format_bench_lines(r) << std::flush;
  }
  if (a.json) {
    nlohmann::json j;
    hetspec::stamp_output(j, "hetspec.bench-opencl/1");
    j["devices"] = all;
    std::cout << hetspec::json_text(j, 2) << "\n";
  }
  return 0;
}
}  // namespace

static hetspec::cli::Registrar reg(
    "bench-opencl", "Measure OpenCL devices: GEMV bandwidth vs copy bandwidth, launch latency, transfers",
    [](CLI::App& app) {
      auto a = std::make_shared<Args>();
      app.add_option("--device", a->device, "cl:N, a comma list, or all")->capture_default_str();
      app.add_option("--weights-mb", a->weights_mb, "Weight megabytes per dtype (whole Llama-1B layers)")
          ->capture_default_str();
      app.add_option("--reps", a->reps, "Timed repetitions (median)")->capture_default_str();
      app.add_option("--dtypes", a->dtypes, "Weight dtypes")->capture_default_str();
      app.add_option("--m", a->ms, "Token counts, comma separated (1 = GEMV)")->capture_default_str();
      app.add_flag("--json", a->json, "JSON output");
      app.add_flag("--no-head", a->no_head, "Skip the LM-head GEMV (128256 x 2048)");
      app.add_flag("--launch-probe", a->launch_probe,
                   "Only the launch probe: host enqueue vs device time per kernel, command-buffer replay");
      return std::function<int()>([a] { return run(*a); });
    });
