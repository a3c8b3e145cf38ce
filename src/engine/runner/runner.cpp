#include "hetspec/engine/runner/runner.hpp"

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "hetspec/core/error.hpp"
#include "hetspec/engine/sampler.hpp"

namespace hetspec {

struct Runner::Worker {
  std::mutex mu;
  std::condition_variable cv;
  bool has_job = false, done = false, quit = false;
  std::vector<int32_t> tokens;
  std::vector<float> features;  // (m, d) or empty
  int pos0 = 0, logit_rows = 1;
  const float* result = nullptr;
  std::exception_ptr error;
  std::thread thread;
};

Runner::Runner() = default;

Runner::~Runner() {
  if (worker_) {
    {
      std::lock_guard<std::mutex> lk(worker_->mu);
      worker_->quit = true;
    }
    worker_->cv.notify_all();
    worker_->thread.join();
  }
}

void Runner::forward_argmax(const int32_t* tokens, int m, int pos0, int logit_rows, const float* features, int32_t* ids) {
  const float* logits = forward(tokens, m, pos0, logit_rows, features);
  const int64_t V = n_logits();
  const std::span<const int32_t> vmap = vocab_map();
  for (int r = 0; r < logit_rows; ++r) {
    const int32_t col = argmax(logits + int64_t(r) * V, V);
    ids[r] = vmap.empty() ? col : vmap[size_t(col)];
  }
}

void Runner::keep_features(bool on) {
  if (on) throw Error(describe(), "cannot hand out its hidden state for a feature-reading (eagle) draft in this version; run the target on the CPU");
}

void Runner::check_call(const int32_t* tokens, int m, int pos0, int logit_rows, const float* features) const {
  check(m > 0 && tokens, "forward", "no tokens");
  if (spec().reads_features && !features)
    throw Error("forward", describe() + ": this draft reads its target's features (hetspec.draft.kind \"eagle\"); none given");
  if (!spec().reads_features && features) throw Error("forward", describe() + ": features given to a model that reads only tokens");
  check(logit_rows >= 1 && logit_rows <= m, "forward",
        "logit_rows " + std::to_string(logit_rows) + " must be in [1, " + std::to_string(m) + "]");
  if (pos0 < 0 || pos0 > length())
    throw Error("forward", "position " + std::to_string(pos0) + " leaves a hole in the KV cache (length " +
                               std::to_string(length()) + ")");
  if (int64_t(pos0) + m > capacity())
    throw Error("forward", "context full: " + std::to_string(int64_t(pos0) + m) +
                               " positions needed, the KV cache holds " + std::to_string(capacity()));
  const int64_t vocab = spec().vocab;
  for (int i = 0; i < m; ++i)
    if (tokens[i] < 0 || tokens[i] >= vocab)
      throw Error("forward", "token id " + std::to_string(tokens[i]) + " outside the vocabulary [0, " +
                                 std::to_string(vocab) + ")");
}

void Runner::submit(const int32_t* tokens, int m, int pos0, int logit_rows, const float* features) {
  if (!worker_) {
    worker_ = std::make_unique<Worker>();
    Worker* w = worker_.get();
    w->thread = std::thread([this, w] {
      std::unique_lock<std::mutex> lk(w->mu);
      for (;;) {
        w->cv.wait(lk, [w] { return w->has_job || w->quit; });
        if (w->quit) return;
        w->has_job = false;
        lk.unlock();
        const float* r = nullptr;
        std::exception_ptr e;
        try {
          r = forward(w->tokens.data(), int(w->tokens.size()), w->pos0, w->logit_rows,
                      w->features.empty() ? nullptr : w->features.data());
        } catch (...) {
          e = std::current_exception();
        }
        lk.lock();
        w->result = r;
        w->error = e;
        w->done = true;
        w->cv.notify_all();
      }
    });
  }
  std::lock_guard<std::mutex> lk(worker_->mu);
  check(!worker_->has_job && !worker_->done, "runner", "submit while a forward is in flight");
  worker_->tokens.assign(tokens, tokens + m);
  if (features) worker_->features.assign(features, features + int64_t(m) * spec().d_model);
  else worker_->features.clear();
  worker_->pos0 = pos0;
  worker_->logit_rows = logit_rows;
  worker_->result = nullptr;
  worker_->error = nullptr;
  worker_->has_job = true;
  worker_->cv.notify_all();
}

const float* Runner::wait() {
  check(worker_ != nullptr, "runner", "wait without submit");
  std::unique_lock<std::mutex> lk(worker_->mu);
  worker_->cv.wait(lk, [this] { return worker_->done; });
  worker_->done = false;
  if (worker_->error) std::rethrow_exception(worker_->error);
  return worker_->result;
}

}  // namespace hetspec
