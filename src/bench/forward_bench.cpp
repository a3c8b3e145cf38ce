#include <algorithm>
#include <random>

#include "hetspec/bench/host.hpp"
#include "hetspec/engine/runner/runner_factory.hpp"

namespace hetspec::bench {

std::vector<ForwardCheck> bench_forward(const CpuModel& model, const std::string& device, int threads,
                                        DeviceRegistry& reg, const std::vector<int>& ms, const std::vector<int>& ns,
                                        const MeasureOptions& opt) {
  const ModelSpec& s = model.spec();
  const int max_m = *std::max_element(ms.begin(), ms.end());
  const int max_n = *std::max_element(ns.begin(), ns.end());
  RunnerSpec rs;
  rs.plan = parse_device_plan(device, s.n_layers);
  rs.threads = threads;
  rs.capacity = max_n + max_m + 1;
  auto runner = make_runner(model, rs, reg);
  std::mt19937 rng(11);
  std::uniform_int_distribution<int32_t> tok(3, int32_t(s.vocab - 1));
  std::vector<int32_t> tokens(size_t(std::max(max_m, max_n)));
  for (auto& t : tokens) t = tok(rng);
  runner->forward(tokens.data(), max_n, 0, 1);  // prefill the cache to the longest context
  std::vector<int> desc = ns;
  std::sort(desc.rbegin(), desc.rend());  // each forward at n forgets positions >= n: longest first
  std::vector<ForwardCheck> out;
  for (int n : desc)
    for (int m : ms) {
      Measurement r = measure(
          [&] {
            auto t0 = Clock::now();
            runner->forward(tokens.data(), m, n, m);  // (m, vocab) logits
            return us_since(t0);
          },
          opt);
      ForwardCheck f;
      f.model = s.name;
      f.threads = threads;
      f.m = m;
      f.n = n;
      f.us = r.median;
      f.cv = r.cv;
      out.push_back(f);
    }
  return out;
}

}  // namespace hetspec::bench
