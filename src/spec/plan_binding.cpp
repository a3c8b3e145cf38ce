#include "hetspec/spec/plan_binding.hpp"

#include <thread>

#include "hetspec/core/error.hpp"
#ifdef HETSPEC_WITH_OPENCL
#include "hetspec/engine/opencl/devices.hpp"
#endif

namespace hetspec {

namespace {
bool is_engine_id(const std::string& s) {
  if (s == "cpu") return true;
  return s.rfind("cl:", 0) == 0 && s.size() > 3 && s.size() < 8 && s.find_first_not_of("0123456789", 3) == std::string::npos;
}

int cl_device_count() {
#ifdef HETSPEC_WITH_OPENCL
  return int(ocl::discover_cl_devices().devices.size());
#else
  return 0;
#endif
}
}  // namespace

std::string engine_id(const Profile& prof, int i) {
  const ProcessingUnit& pu = prof.pus.at(size_t(i));
  if (!pu.engine.empty()) return pu.engine;
  if (prof.kind != "spec-sheet" && is_engine_id(pu.id)) return pu.id;
  throw Error(prof.name + ": pus[" + pu.id + "]",
              "is a spec-sheet description with no engine device; it cannot be run (measure this machine with "
              "`hetspec profile`, or give the PU an `engine: cpu` / `engine: cl:N` binding)");
}

void check_plan_runnable(const Plan& plan, const Profile& prof) {
  const uint32_t used = pu_mask(plan);
  int cpu_pus = 0;
  int n_cl = -1;
  for (int i = 0; i < int(prof.pus.size()); ++i) {
    if (!(used >> i & 1u)) continue;
    const std::string id = engine_id(prof, i);
    if (id == "cpu") {
      cpu_pus++;
      continue;
    }
    if (n_cl < 0) n_cl = cl_device_count();
    const int idx = std::stoi(id.substr(3));
    if (idx >= n_cl)
      throw Error(prof.name + ": pus[" + prof.pus[size_t(i)].id + "]",
                  "is bound to " + id + ", but this machine has " + std::to_string(n_cl) +
                      " OpenCL device(s) (see `hetspec devices`)");
  }
  if (plan.speculative() && plan.mode == Mode::Overlapped && (pu_mask(plan.draft) & pu_mask(plan.target)))
    throw Error("plan", "overlapped mode needs the draft and the target on different PUs");
}

RunnerSpec bind_placement(const ModelPlacement& p, const Plan& plan, const Profile& prof, int n_layers) {
  auto cl_of = [&](int pu) {
    const std::string id = engine_id(prof, pu);
    return id == "cpu" ? -1 : std::stoi(id.substr(3));
  };
  RunnerSpec rs;
  if (p.is_split()) {
    check(p.split > 0 && p.split < n_layers, "plan", "split layer " + std::to_string(p.split) + " outside 1.." +
                                                          std::to_string(n_layers - 1));
    rs.plan.ranges.push_back(PlanRange{.cl = cl_of(p.pu), .l0 = 0, .l1 = p.split});
    rs.plan.ranges.push_back(PlanRange{.cl = cl_of(p.split_pu), .l0 = p.split, .l1 = n_layers});
  } else {
    rs.plan.ranges.push_back(PlanRange{.cl = cl_of(p.pu), .l0 = 0, .l1 = n_layers});
  }
  rs.plan.head_cl = cl_of(p.head_pu);
  rs.threads = 1;
  for (int pu : {p.pu, p.split_pu, p.head_pu})
    if (pu >= 0 && engine_id(prof, pu) == "cpu" && size_t(pu) < plan.threads.size())
      rs.threads = std::max(rs.threads, plan.threads[size_t(pu)]);
  return rs;
}

Profile machine_profile() {
  Profile p;
  p.name = "this machine";
  p.kind = "machine";
  p.description = "the devices of this machine, for running plans (no costs)";
  ProcessingUnit cpu;
  cpu.id = cpu.engine = "cpu";
  cpu.kind = PuKind::CPU;
  cpu.cores = std::max(1, int(std::thread::hardware_concurrency()));
  for (int t = 1; t <= cpu.cores; t *= 2) cpu.thread_options.push_back(t);
  if (cpu.thread_options.back() != cpu.cores) cpu.thread_options.push_back(cpu.cores);
  p.pus.push_back(cpu);
#ifdef HETSPEC_WITH_OPENCL
  for (const auto& d : ocl::discover_cl_devices().devices) {
    if (p.pus.size() >= 8) break;
    ProcessingUnit pu;
    pu.id = pu.engine = d.id;
    pu.kind = PuKind::GPU;  // any OpenCL device (PoCL's CPU too): one queue, no thread count of ours
    pu.name = d.name;
    pu.thread_options = {1};
    p.pus.push_back(pu);
  }
#endif
  p.resolve();
  return p;
}

}  // namespace hetspec
