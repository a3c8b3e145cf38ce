// A small persistent thread pool for the CPU kernels. Decode dispatches ~200 parallel loops per
// token, so waking the workers must cost a few µs: idle workers spin (with pause) for a short while
// before sleeping on a condition variable, and the calling thread takes chunks too. A loop ends when
// all its chunks are done, not when every worker has checked in: on a shared, oversubscribed machine
// a descheduled worker does not stall the caller (the caller just takes its chunks). threads <= 1
// runs everything inline on the caller.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace hetspec {

class ThreadPool {
 public:
  // threads: total threads working on a loop, including the caller (so threads - 1 workers).
  // spin_us: how long an idle worker spins before sleeping.
  explicit ThreadPool(int threads, int spin_us = 200);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(begin, end) for chunks [begin, end) covering [0, n), each of `grain` items (the last
  // may be shorter). Chunks are claimed dynamically; returns when all are done. The first exception
  // thrown by fn is rethrown here. Callers on several threads take turns (one loop at a time);
  // not reentrant: fn must not call parallel_for on the same pool.
  template <class F>
  void parallel_for(int64_t n, int64_t grain, F&& fn) {
    using Fn = std::remove_reference_t<F>;
    run(n, grain, const_cast<void*>(static_cast<const void*>(&fn)),
        [](void* ctx, int64_t b, int64_t e) { (*static_cast<Fn*>(ctx))(b, e); });
  }

 private:
  using Call = void (*)(void*, int64_t, int64_t);
  void run(int64_t n, int64_t grain, void* ctx, Call call);
  void worker_main();
  void work_chunks(uint32_t gen);

  std::vector<std::thread> workers_;
  int spin_us_;
  // The current job. Written by the caller only while no chunk of the previous job is outstanding;
  // a worker reads it only after claiming a chunk, so it is stable while read.
  void* ctx_ = nullptr;
  Call call_ = nullptr;
  int64_t n_ = 0, grain_ = 1;
  // (generation << 32) | chunks left to claim. Chunks are claimed by CAS (count down), so a worker
  // that wakes late can never claim a chunk of a job other than the one it validated.
  std::atomic<uint64_t> state_{0};
  std::atomic<int64_t> done_{0};     // chunks of the current job finished
  std::atomic<int> sleepers_{0};
  std::atomic<bool> stop_{false};
  std::mutex call_mu_;  // one job at a time, whoever calls
  std::mutex mu_;
  std::condition_variable cv_;
  std::mutex err_mu_;
  std::exception_ptr err_;
};

}  // namespace hetspec
