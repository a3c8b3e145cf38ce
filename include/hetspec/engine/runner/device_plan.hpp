// Where the layers of one model run, in the engine's own device ids: contiguous layer ranges on the
// CPU ("cpu") or on OpenCL devices ("cl:N"), and the LM head's device. It is the text of
// `generate --device` and what a swept plan's placement becomes once its PUs are bound to devices.
//   "cpu"                      whole model on the CPU
//   "cl:0"                     whole model on OpenCL device 0
//   "cpu:0-11,cl:0:12-29"      layers 0..11 (inclusive) on the CPU, 12..29 on cl:0
//   "...,head=cpu"             LM head on the CPU (default: the last range's processor)
// n_layers is the number of layers the runner uses: the model's, or K for a `self:K` draft (its first
// K layers, then the target's final norm and head).
#pragma once
#include <string>
#include <vector>

namespace hetspec {

struct PlanRange {
  int cl = -1;         // OpenCL device index, -1 = the CPU
  int l0 = 0, l1 = 0;  // layers [l0, l1)
  std::string pu() const { return cl < 0 ? "cpu" : "cl:" + std::to_string(cl); }
};

struct DevicePlan {
  std::vector<PlanRange> ranges;  // contiguous, covering [0, n_layers) in order
  int head_cl = -1;               // -1 = CPU
  bool any_cl() const;
  int n_layers() const { return ranges.empty() ? 0 : ranges.back().l1; }
  std::string text() const;       // back to the --device syntax
};

// Throws Error("--device '<text>'", why) for bad syntax, gaps, overlaps or out-of-range layers.
DevicePlan parse_device_plan(const std::string& text, int n_layers);

// "cpu" -> -1, "cl:3" -> 3; anything else throws Error(where, ...).
int parse_engine_pu(const std::string& id, const std::string& where);

}  // namespace hetspec
