// A GGUF model ready to run on the CPU: the file stays memory-mapped and the layer matrices are
// WeightViews into the mapping (no copies; only the tiny f32 norms / biases / rope factors are
// decoded). Owns the thread pool and one CpuForward; KV caches are made per sequence.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "hetspec/engine/cpu_forward.hpp"
#include "hetspec/engine/cpu/thread_pool.hpp"
#include "hetspec/engine/model_weights.hpp"
#include "hetspec/model/gguf_file.hpp"

namespace hetspec {


// Views into `f` for every tensor of a Llama-family model with spec `s` (tied head = token_embd).
// Small f32 vectors are decoded into `small` (which must outlive the result). Throws the GGUF
// reader's error for missing tensors, wrong shapes or unsupported tensor types.
ModelWeights weights_from_gguf(const GgufFile& f, const ModelSpec& s, std::vector<std::vector<float>>& small);

class CpuModel {
 public:
  // threads: CPU threads for the kernels (1 = the calling thread only). max_batch: tokens per step.
  static std::unique_ptr<CpuModel> load(const std::string& path, int threads = 1, int max_batch = 64);
  ~CpuModel();
  CpuModel(const CpuModel&) = delete;
  CpuModel& operator=(const CpuModel&) = delete;

  const GgufFile& file() const { return file_; }
  const ModelSpec& spec() const { return weights_.spec; }
  const ModelWeights& weights() const { return weights_; }
  CpuForward& forward() { return *forward_; }
  ThreadPool* pool() { return pool_.get(); }
  int threads() const { return threads_; }
  // A KV cache for one sequence of up to `capacity` positions (<= the model's context).
  KvCache make_cache(int capacity) const;

 private:
  explicit CpuModel(GgufFile f) : file_(std::move(f)) {}
  GgufFile file_;
  std::vector<std::vector<float>> small_;  // decoded norms / biases / rope factors
  ModelWeights weights_;
  int threads_ = 1;
  std::unique_ptr<ThreadPool> pool_;  // null when threads == 1
  std::unique_ptr<CpuForward> forward_;
};

}  // namespace hetspec
