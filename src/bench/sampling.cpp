#include <random>

#include "hetspec/bench/host.hpp"
#include "hetspec/engine/sampler.hpp"

namespace hetspec::bench {

SamplingCost bench_sampling(int64_t vocab, const MeasureOptions& opt) {
  std::vector<float> logits(static_cast<size_t>(vocab));  // (vocab)
  std::vector<float> probs;
  std::mt19937 rng(5);
  std::normal_distribution<float> g(0, 3);
  for (auto& v : logits) v = g(rng);
  SamplerParams sp;
  sp.temperature = 1.0f;
  Sampler soft(sp);
  auto time_with = [&](Sampler& s) {
    return measure(
               [&] {
                 auto t0 = Clock::now();
                 s.sample(logits.data(), vocab, probs);
                 return us_since(t0);
               },
               opt)
        .median;
  };
  SamplingCost c;
  // Greedy decoding and verification take the argmax of the logits row (the executor's path), not
  // a one-hot distribution.
  volatile int32_t sink = 0;
  c.greedy_ns_per_vocab = measure(
                              [&] {
                                auto t0 = Clock::now();
                                sink = argmax(logits.data(), vocab);
                                return us_since(t0);
                              },
                              opt)
                              .median *
                          1e3 / double(vocab);
  (void)sink;
  c.softmax_ns_per_vocab = time_with(soft) * 1e3 / double(vocab);
  return c;
}

}  // namespace hetspec::bench
