#include "hetspec/spec/run_report.hpp"

#include <thread>

#include "hetspec/engine/cpu/matmul.hpp"
#ifdef HETSPEC_WITH_OPENCL
#include "hetspec/engine/opencl/devices.hpp"
#endif

namespace hetspec {

std::string host_description() {
  std::string model = "unknown CPU";
  int cores = int(std::thread::hardware_concurrency());
#ifdef HETSPEC_WITH_OPENCL
  auto c = ocl::probe_cpu();
  if (!c.model.empty()) model = c.model;
  if (c.logical_cores > 0) cores = c.logical_cores;
#endif
  return model + ", " + std::to_string(cores) + " logical cores, cpu path " + cpu_paths_description();
}

RunReport make_run_report(const ExperimentResult& res, const SpecOptions& opt) {
  RunReport r;
  r.opt = opt;
  r.timing_mode = res.timing_mode;
  r.target = res.target_desc;
  r.draft = res.draft_desc;
  r.host = host_description();
  r.cpu_path = cpu_paths_description();
  r.baseline_candidates = res.baseline_candidates;
  const ArmRun* base = nullptr;
  const ArmRun* pt = nullptr;
  for (const auto& a : res.arms) {
    r.arms.push_back(summarize_arm(a.name, a.placement, a.gamma, mode_name(a.mode), a.requests));
    if (a.name == "baseline") base = &a;
    if (a.name == "plan-target") pt = &a;
  }
  const ArmRun& plan = res.arms.front();
  if (base) {
    r.has_baseline = true;
    r.speedup = speedup_interval(base->requests, plan.requests);
  }
  if (pt) {
    r.has_plan_target = true;
    r.speedup_plan_target = speedup_interval(pt->requests, plan.requests);
  }
  return r;
}

}  // namespace hetspec
