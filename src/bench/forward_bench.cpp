#include <algorithm>
#include <random>

#include "hetspec/bench/host.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/engine/runner/runner.hpp"
#include "hetspec/engine/runner/runner_factory.hpp"

namespace hetspec::bench {

ForwardBench::ForwardBench(const CpuModel& model, const std::string& device, int threads, DeviceRegistry& reg, int max_m,
                           int max_n)
    : model_(model), threads_(threads), max_m_(max_m), max_n_(max_n) {
  const ModelSpec& s = model.spec();
  RunnerSpec rs;
  rs.plan = parse_device_plan(device, s.n_layers);
  rs.threads = threads;
  rs.capacity = max_n + max_m + 1;
  runner_ = make_runner(model, rs, reg);
  std::mt19937 rng(11);
  std::uniform_int_distribution<int32_t> tok(3, int32_t(s.vocab - 1));
  tokens_.resize(size_t(std::max(max_m, max_n)));
  for (auto& t : tokens_) t = tok(rng);
  if (s.reads_features) features_.assign(tokens_.size() * size_t(s.d_model), 0.0f);
  fill_to(max_n);  // prefill the cache to the longest context
}

void ForwardBench::fill_to(int n) {
  if (len_ < n) runner_->forward(tokens_.data() + len_, n - len_, len_, 1, features());
  len_ = std::max(len_, n);
}

ForwardBench::~ForwardBench() = default;

std::string ForwardBench::describe() const { return runner_->describe(); }

std::vector<ForwardCheck> ForwardBench::measure(const std::vector<int>& ms, const std::vector<int>& ns,
                                                const MeasureOptions& opt, bool last_row_only) {
  std::vector<int> desc = ns;
  std::sort(desc.rbegin(), desc.rend());
  std::vector<ForwardCheck> out;
  for (int n : desc)
    for (int m : ms) {
      check(m <= max_m_ && n <= max_n_, "forward bench", "(m, n) beyond the prefilled cache");
      fill_to(n);  // a forward at a shorter context before cut the cache there: fill the gap again
      len_ = n + m;
      Measurement r = bench::measure(
          [&] {
            auto t0 = Clock::now();
            runner_->forward(tokens_.data(), m, n, last_row_only ? 1 : m, features());  // (m or 1, vocab) logits
            return us_since(t0);
          },
          opt);
      ForwardCheck f;
      f.model = model_.spec().name;
      f.threads = threads_;
      f.m = m;
      f.n = n;
      f.us = r.median;
      f.cv = r.cv;
      out.push_back(f);
    }
  return out;
}

std::vector<ForwardCheck> bench_forward(const CpuModel& model, const std::string& device, int threads,
                                        DeviceRegistry& reg, const std::vector<int>& ms, const std::vector<int>& ns,
                                        const MeasureOptions& opt) {
  ForwardBench b(model, device, threads, reg, *std::max_element(ms.begin(), ms.end()),
                 *std::max_element(ns.begin(), ns.end()));
  return b.measure(ms, ns, opt);
}

}  // namespace hetspec::bench
