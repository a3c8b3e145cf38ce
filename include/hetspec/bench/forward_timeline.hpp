// Where a one-token forward's time goes on an OpenCL device (issue 12: "the launch count per token
// and the time per launch that bound it"): the forward's own launches timed by the device's
// profiling events over a run of decode steps, against the host's wall time per step. GPU busy time
// near the wall time means the kernels bound the step; a first-to-last-kernel span well above the
// busy time means the GPU waited between kernels (the host's enqueue or a sync bounds it).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hetspec {
class DeviceRegistry;
}

namespace hetspec::bench {

struct TimelineKernel {
  std::string name;        // the launch's label (bound one-token matmuls carry their shape and epilogue)
  double per_token = 0;    // launches per step
  double median_us = 0;    // one launch's event duration
  double us_per_token = 0; // their total per step (median over steps)
};

struct ForwardTimeline {
  std::string device;  // "cl:N"
  int steps = 0;
  double launches = 0;  // per step
  double busy_us = 0;   // sum of kernel durations per step (median over steps)
  double span_us = 0;   // first kernel start to last kernel end per step (median)
  double wall_us = 0;   // host wall time per step (median), events on
  std::vector<TimelineKernel> kernels;  // by total time, largest first
};

// Runs `step` (one decode step) `steps` times with profiling on for OpenCL device cl_index of reg and
// summarises its launches. Throws Error where OpenCL is not built.
ForwardTimeline time_forward_kernels(DeviceRegistry& reg, int cl_index, int steps, const std::function<void()>& step);

std::string format_forward_timeline(const ForwardTimeline& t);
nlohmann::json forward_timeline_json(const ForwardTimeline& t);

}  // namespace hetspec::bench
