// A GGUF model ready to run on the CPU: the file stays memory-mapped and weights() are WeightViews
// into the mapping (no copies; only the tiny f32 norms / biases / rope factors are decoded): what
// OpenCL uploads. cpu_weights() is what the CPU engine runs: where the CPU path has X8 kernels, the
// quantized layer matrices and the LM head repacked once, on first use, to the X8 layout
// (engine/cpu/repack.hpp) in one buffer on huge pages (engine/cpu/huge_buffer.hpp), their mapped
// pages released. Owns the thread pool and one CpuForward (made on first use); KV caches are made
// per sequence. A draft may borrow its target's embedding and LM head (views into the target's
// mapping; a borrowed full-vocabulary head is repacked into the draft's own buffer).
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hetspec/engine/cpu_forward.hpp"
#include "hetspec/engine/cpu/huge_buffer.hpp"
#include "hetspec/engine/cpu/thread_pool.hpp"
#include "hetspec/engine/model_weights.hpp"
#include "hetspec/model/gguf_file.hpp"

namespace hetspec {


// What a ModelWeights points into besides the mapping (kept, unmoved, beside it).
struct WeightStorage {
  std::vector<std::vector<float>> small;  // norms / biases / rope factors, decoded to f32
  std::vector<uint8_t> head;              // (n_sub, d) LM-head rows gathered for a vocabulary-subset head
};

// Views into `f` for every tensor of a Llama-family model with spec `s` (tied head = token_embd).
// A borrowing draft (s.borrows_embedding) takes token_embd and the LM head from `borrow` (views into
// its target's mapping, not copies); a head over hetspec.draft.head_token_ids is gathered into
// store.head. Throws the GGUF reader's error for missing tensors, wrong shapes or unsupported types.
ModelWeights weights_from_gguf(const GgufFile& f, const ModelSpec& s, WeightStorage& store,
                               const ModelWeights* borrow = nullptr);

class CpuModel {
 public:
  // threads: CPU threads for the kernels (1 = the calling thread only). max_batch: tokens per step.
  static std::unique_ptr<CpuModel> load(const std::string& path, int threads = 1, int max_batch = 64);
  // A draft beside its target: a whole GGUF (checked for the same vocabulary), or a hetspec draft v1
  // (model/draft_gguf.hpp) without token_embd / output, which borrows the target's token embedding
  // and LM head after checking that both tokenizers are identical. `target` must outlive the draft.
  static std::unique_ptr<CpuModel> load_draft(const std::string& path, const CpuModel& target, int threads = 1,
                                              int max_batch = 64);
  ~CpuModel();
  CpuModel(const CpuModel&) = delete;
  CpuModel& operator=(const CpuModel&) = delete;

  const GgufFile& file() const { return file_; }
  const ModelSpec& spec() const { return weights_.spec; }
  const ModelWeights& weights() const { return weights_; }  // plain views into the mapping
  // The weights the CPU engine runs (repacked on the first call where cpu_repack_enabled(); else
  // weights() itself). Thread-safe; the views live as long as the model.
  const ModelWeights& cpu_weights() const;
  CpuForward& forward();
  ThreadPool* pool() { return pool_.get(); }
  int threads() const { return threads_; }
  // A KV cache for one sequence of up to `capacity` positions (<= the model's context).
  KvCache make_cache(int capacity) const;

 private:
  explicit CpuModel(GgufFile f) : file_(std::move(f)) {}
  static std::unique_ptr<CpuModel> open(GgufFile f, const ModelSpec& s, const ModelWeights* borrow, int threads,
                                        int max_batch);
  GgufFile file_;
  WeightStorage store_;  // decoded norms / biases / rope factors, a gathered subset head
  ModelWeights weights_;
  int threads_ = 1;
  std::unique_ptr<ThreadPool> pool_;  // null when threads == 1
  int max_batch_ = 64;
  mutable std::once_flag cpu_once_, forward_once_;
  mutable ModelWeights cpu_weights_;                   // valid after cpu_once_
  mutable HugeBuffer packed_;                          // the X8 copies cpu_weights_ points into
  mutable std::unique_ptr<CpuForward> forward_;        // made on first use (forward(), make_cache())
};

}  // namespace hetspec
