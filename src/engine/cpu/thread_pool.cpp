#include "hetspec/engine/cpu/thread_pool.hpp"

#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HETSPEC_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define HETSPEC_PAUSE() asm volatile("yield" ::: "memory")
#else
#define HETSPEC_PAUSE() ((void)0)
#endif

namespace hetspec {

ThreadPool::ThreadPool(int threads, int spin_us) : spin_us_(spin_us) {
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_main(); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true);
  gen_.fetch_add(1);
  { std::lock_guard<std::mutex> lk(mu_); }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::work_chunks() {
  for (;;) {
    int64_t b = next_.fetch_add(grain_, std::memory_order_relaxed);
    if (b >= n_) return;
    int64_t e = b + grain_ < n_ ? b + grain_ : n_;
    try {
      call_(ctx_, b, e);
    } catch (...) {
      std::lock_guard<std::mutex> lk(err_mu_);
      if (!err_) err_ = std::current_exception();
    }
  }
}

void ThreadPool::worker_main() {
  uint64_t seen = 0;
  for (;;) {
    // Spin a little (cheap wake-up between the many small loops of a forward), then sleep.
    auto start = std::chrono::steady_clock::now();
    uint64_t g;
    for (int it = 0;; ++it) {
      g = gen_.load(std::memory_order_acquire);
      if (g != seen) break;
      HETSPEC_PAUSE();
      if ((it & 255) == 255 &&
          std::chrono::steady_clock::now() - start > std::chrono::microseconds(spin_us_)) {
        std::unique_lock<std::mutex> lk(mu_);
        sleepers_.fetch_add(1);
        cv_.wait(lk, [&] { return gen_.load() != seen; });
        sleepers_.fetch_sub(1);
        g = gen_.load(std::memory_order_acquire);
        break;
      }
    }
    seen = g;
    if (stop_.load()) return;
    work_chunks();
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

void ThreadPool::run(int64_t n, int64_t grain, void* ctx, Call call) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  if (workers_.empty() || n <= grain) {
    call(ctx, 0, n);
    return;
  }
  ctx_ = ctx;
  call_ = call;
  n_ = n;
  grain_ = grain;
  err_ = nullptr;
  next_.store(0, std::memory_order_relaxed);
  pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
  gen_.fetch_add(1);  // seq_cst: publishes the job; pairs with sleepers_ below (no lost wake-up)
  if (sleepers_.load() > 0) {
    { std::lock_guard<std::mutex> lk(mu_); }
    cv_.notify_all();
  }
  work_chunks();
  for (int it = 0; pending_.load(std::memory_order_acquire) != 0; ++it) {
    HETSPEC_PAUSE();
    if (it > 2000) std::this_thread::yield();  // a worker was descheduled: let it run
  }
  if (err_) {
    std::exception_ptr e = err_;
    err_ = nullptr;
    std::rethrow_exception(e);
  }
}

}  // namespace hetspec
