// One model across processors: contiguous layer ranges on the CPU and on OpenCL devices, the
// hidden state handed over at each boundary (a blocking transfer after the producer's clFinish,
// timed), the embedding on the first range's processor and the LM head where the plan says.
// Device plans (the --device flag):
//   "cpu"                      whole model on the CPU
//   "cl:0"                     whole model on OpenCL device 0
//   "cpu:0-11,cl:0:12-29"      layers 0..11 (inclusive) on the CPU, 12..29 on cl:0
//   "...,head=cpu"             LM head on the CPU (default: the last range's processor)
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hetspec/engine/cpu_forward.hpp"
#include "hetspec/engine/runner/device_plan.hpp"
#include "hetspec/engine/generate.hpp"
#include "hetspec/engine/opencl/cl_forward.hpp"

namespace hetspec::ocl {

// The device plan and its parser live in engine/runner/device_plan.hpp (no OpenCL needed).
using hetspec::DevicePlan;
using hetspec::PlanRange;
using hetspec::parse_device_plan;

struct SplitStats {
  int handoffs = 0;
  double handoff_s = 0;  // wall time of the hidden-state transfers
  double handoff_bytes = 0;
};

class SplitForward {
 public:
  // cpu: the CPU forward of the same weights (used for "cpu" ranges / head / embedding).
  SplitForward(const DevicePlan& plan, const ModelWeights& w, CpuForward& cpu, int capacity, int max_batch = 64,
               const std::string& tuning_file = "");
  // Devices borrowed from the caller (a registry shared by several models): device(i) is cl:i.
  using DeviceFor = std::function<Device&(int)>;
  SplitForward(const DevicePlan& plan, const ModelWeights& w, CpuForward& cpu, int capacity, int max_batch,
               const DeviceFor& device);
  ~SplitForward();
  const ModelSpec& spec() const { return w_.spec; }
  const ModelWeights& weights() const { return w_; }
  int capacity() const { return capacity_; }
  // Logits (logit_rows, n_logits) of the last rows; token i at position pos0 + i (pos0 <= length()).
  const float* forward(const int32_t* tokens, int m, int pos0, int logit_rows = 1);
  // The same forward for greedy decoding: ids(logit_rows) = each of those rows' argmax column (as
  // argmax over forward()'s rows). A head on an OpenCL device picks them there and reads back ints.
  void forward_argmax(const int32_t* tokens, int m, int pos0, int logit_rows, int32_t* ids);
  void truncate(int n);
  int length() const { return length_; }
  int layers() const { return plan_.n_layers(); }
  SplitStats stats() const;
  std::string describe() const;  // "cpu[0,12) -> cl:0[12,30), head on cl:0"
  const DevicePlan& plan() const { return plan_; }

 private:
  struct Range {
    PlanRange r;
    ClForward* cl = nullptr;  // owned by cls_
    KvCache* kv = nullptr;    // CPU ranges, owned by kvs_
  };
  const ModelWeights& w_;
  CpuForward& cpu_;
  DevicePlan plan_;
  int capacity_, max_batch_;
  int length_ = 0;
  std::vector<std::unique_ptr<Device>> devices_;  // index = OpenCL device index (null if unused)
  std::vector<std::unique_ptr<ClForward>> cls_;
  std::vector<std::unique_ptr<KvCache>> kvs_;
  std::vector<Range> ranges_;
  ClForward* head_cl_ = nullptr;
  std::vector<float> x_, logits_;
  void build(const DeviceFor& device);
  // forward's body: the logits into `logits`, or with ids set, each logit row's argmax into ids.
  void run(const int32_t* tokens, int m, int pos0, int logit_rows, float* logits, int32_t* ids);
};

// generate() of engine/generate.hpp over a SplitForward (same phases, timings and sampling).
GenerateResult generate_split(SplitForward& fw, const std::vector<int32_t>& prompt, const GenerateOptions& opt,
                              const std::function<void(int32_t)>& on_token = {});

}  // namespace hetspec::ocl
