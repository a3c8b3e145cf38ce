// The one interface every backend implements, so that generation, the speculative executor and the
// profiler drive the CPU, an OpenCL device or a layer split the same way (ggml-backend's lesson: a
// small device interface and everything else on top of it).
//   forward(tokens, m, pos0, logit_rows) -> the last logit_rows rows of logits (logit_rows, n_logits):
//     n_logits = vocab, or a draft's vocabulary subset (FR-Spec head): column j is token vocab_map()[j].
//     Token i sits at position pos0 + i. pos0 <= length(); an earlier pos0 first forgets positions
//     >= pos0 (rejected drafts). Everything is checked before any state changes, and a forward that
//     fails anyway leaves the cache at min(old length, pos0): never holding half-written positions.
//   features (m, d): what a feature-reading (EAGLE) draft reads besides its tokens, g_{i-1} for token i
//     (spec().reads_features: required, else refused). keep_features(true) makes every later forward
//     keep the head input of each of its m rows (the final normed hidden state), features() (m, d):
//     what a target hands such a draft. Runners that cannot throw Error naming themselves.
//   truncate(n): KV rollback to at most n positions (n >= length() is a no-op), the same everywhere.
// Blocking: forward returns once its logits are on the host (OpenCL queues are synchronised), so a
// clock read around it measures the whole step. submit()/wait() run the same forward on the
// runner's own host thread, for the overlapped mode (a draft PU drafting while a target verifies).
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hetspec/model/model_spec.hpp"

namespace hetspec {

struct RunnerStats {
  int forwards = 0;
  int64_t tokens = 0;        // tokens fed, summed over forwards
  double forward_s = 0;      // wall time inside forward(), synchronisation included
  int handoffs = 0;          // hidden-state transfers between processors (layer splits)
  double handoff_s = 0;      // their wall time (already inside forward_s)
  double handoff_bytes = 0;
};

class Runner {
 public:
  Runner();
  virtual ~Runner();
  // The model's spec (vocab, widths); layers() is how many of its layers this runner uses.
  virtual const ModelSpec& spec() const = 0;
  virtual int layers() const = 0;
  virtual int capacity() const = 0;  // KV positions
  virtual int length() const = 0;    // positions filled
  virtual const float* forward(const int32_t* tokens, int m, int pos0, int logit_rows, const float* features) = 0;
  const float* forward(const int32_t* tokens, int m, int pos0, int logit_rows) {
    return forward(tokens, m, pos0, logit_rows, nullptr);
  }
  // Greedy decoding's forward: ids(logit_rows) = the token id (through vocab_map) of each of the last
  // logit_rows rows' first maximum, as argmax over forward()'s rows. A runner whose LM head is on an
  // OpenCL device picks them there and reads back ints instead of the rows (Llama-3: 513 KB a row).
  // The logits themselves are not returned (what forward() returned before is invalid afterwards).
  virtual void forward_argmax(const int32_t* tokens, int m, int pos0, int logit_rows, const float* features, int32_t* ids);
  virtual void keep_features(bool on);
  virtual const float* features() const { return nullptr; }  // (m, d) of the last forward, when kept
  virtual void truncate(int n) = 0;
  virtual RunnerStats stats() const = 0;
  virtual std::string describe() const = 0;  // "cpu[0,30) head cpu, 2 threads"
  // The token id of each logit column when the head covers a vocabulary subset; empty: column = token.
  virtual std::span<const int32_t> vocab_map() const = 0;
  int64_t n_logits() const { return spec().n_logits(); }

  // Asynchronous forward on this runner's worker thread (started on first use). The tokens are
  // copied. wait() returns the logits, or rethrows the forward's error. One submit at a time.
  void submit(const int32_t* tokens, int m, int pos0, int logit_rows, const float* features = nullptr);
  const float* wait();

 protected:
  // Shared argument checks (throw Error before anything changes).
  void check_call(const int32_t* tokens, int m, int pos0, int logit_rows, const float* features) const;

 private:
  struct Worker;
  std::unique_ptr<Worker> worker_;
};

}  // namespace hetspec
