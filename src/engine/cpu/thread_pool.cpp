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

namespace {
inline uint32_t gen_of(uint64_t s) { return static_cast<uint32_t>(s >> 32); }
inline uint32_t left_of(uint64_t s) { return static_cast<uint32_t>(s); }
}  // namespace

ThreadPool::ThreadPool(int threads, int spin_us) : spin_us_(spin_us) {
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_main(); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true);
  state_.store((static_cast<uint64_t>(gen_of(state_.load()) + 1)) << 32);  // new generation, no chunks
  { std::lock_guard<std::mutex> lk(mu_); }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

// Claims and runs chunks of generation `gen` until none is left (or the job is another one).
void ThreadPool::work_chunks(uint32_t gen) {
  uint64_t s = state_.load(std::memory_order_acquire);
  for (;;) {
    if (gen_of(s) != gen || left_of(s) == 0) return;
    if (!state_.compare_exchange_weak(s, s - 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
    // Claimed chunk number left-1 of this job: its fields stay put until we report it done.
    const int64_t c = static_cast<int64_t>(left_of(s)) - 1;
    const int64_t b = c * grain_;
    const int64_t e = b + grain_ < n_ ? b + grain_ : n_;
    try {
      call_(ctx_, b, e);
    } catch (...) {
      std::lock_guard<std::mutex> lk(err_mu_);
      if (!err_) err_ = std::current_exception();
    }
    done_.fetch_add(1, std::memory_order_acq_rel);
    s = state_.load(std::memory_order_acquire);
  }
}

void ThreadPool::worker_main() {
  uint32_t seen = 0;
  for (;;) {
    // Spin a little (cheap wake-up between the many small loops of a forward), then sleep.
    auto start = std::chrono::steady_clock::now();
    uint32_t g;
    for (int it = 0;; ++it) {
      g = gen_of(state_.load(std::memory_order_acquire));
      if (g != seen) break;
      HETSPEC_PAUSE();
      if ((it & 255) == 255 &&
          std::chrono::steady_clock::now() - start > std::chrono::microseconds(spin_us_)) {
        std::unique_lock<std::mutex> lk(mu_);
        sleepers_.fetch_add(1);
        cv_.wait(lk, [&] { return gen_of(state_.load()) != seen; });
        sleepers_.fetch_sub(1);
        g = gen_of(state_.load(std::memory_order_acquire));
        break;
      }
    }
    seen = g;
    if (stop_.load()) return;
    work_chunks(g);
  }
}

void ThreadPool::run(int64_t n, int64_t grain, void* ctx, Call call) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  if (workers_.empty() || n <= grain) {
    call(ctx, 0, n);
    return;
  }
  // Two runners may share this pool (draft and target on the CPU with one thread count, overlapped):
  // their loops take turns, one job at a time, as they would on the same cores anyway.
  std::lock_guard<std::mutex> one_job(call_mu_);
  int64_t chunks = (n + grain - 1) / grain;
  if (chunks > 0x7fffffff) {  // keep the count in 32 bits
    grain = (n + 0x7ffffffe) / 0x7fffffff;
    chunks = (n + grain - 1) / grain;
  }
  // The previous job is fully done (we waited for all its chunks), so nobody reads these now.
  ctx_ = ctx;
  call_ = call;
  n_ = n;
  grain_ = grain;
  err_ = nullptr;
  done_.store(0, std::memory_order_relaxed);
  const uint32_t gen = gen_of(state_.load()) + 1;
  state_.store((static_cast<uint64_t>(gen) << 32) | static_cast<uint64_t>(chunks));  // seq_cst publish
  if (sleepers_.load() > 0) {  // seq_cst pair with the worker's sleepers_++ then state_ check
    { std::lock_guard<std::mutex> lk(mu_); }
    cv_.notify_all();
  }
  work_chunks(gen);
  for (int it = 0; done_.load(std::memory_order_acquire) != chunks; ++it) {
    HETSPEC_PAUSE();
    if (it > 2000) std::this_thread::yield();  // a worker holding a chunk was descheduled
  }
  if (err_) {
    std::exception_ptr e = err_;
    err_ = nullptr;
    std::rethrow_exception(e);
  }
}

}  // namespace hetspec
