#include "hetspec/engine/runner/runner_factory.hpp"

#include <algorithm>

#include "hetspec/core/error.hpp"
#include "runners.hpp"

namespace hetspec {

std::unique_ptr<Runner> make_runner(const CpuModel& model, const RunnerSpec& spec, DeviceRegistry& reg) {
  RunnerSpec rs = spec;
  const ModelSpec& s = model.spec();
  check(rs.plan.n_layers() >= 1 && rs.plan.n_layers() <= s.n_layers, "runner",
        "the placement covers " + std::to_string(rs.plan.n_layers()) + " layers; the model has " +
            std::to_string(s.n_layers));
  if (rs.capacity <= 0) rs.capacity = std::min(s.context > 0 ? s.context : 4096, 4096);
  if (!rs.plan.any_cl()) return make_cpu_runner(model, rs, reg);
#ifdef HETSPEC_WITH_OPENCL
  return make_split_runner(model, rs, reg);
#else
  throw Error(rs.plan.text(), "this hetspec was built without OpenCL");
#endif
}

}  // namespace hetspec
