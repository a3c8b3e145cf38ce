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
  volatile int32_t sink = 0;  // keeps the timed call
  // ns per vocabulary entry of one call, median over the measurement.
  auto ns_per_entry = [&](auto&& call) {
    return measure(
               [&] {
                 auto t0 = Clock::now();
                 sink = call();
                 return us_since(t0);
               },
               opt)
               .median *
           1e3 / double(vocab);
  };
  SamplingCost c;
  // Greedy decoding and verification take the argmax of the logits row (the executor's path), not
  // a one-hot distribution; sampling draws from the softmax.
  c.greedy_ns_per_vocab = ns_per_entry([&] { return argmax(logits.data(), vocab); });
  c.softmax_ns_per_vocab = ns_per_entry([&] { return soft.sample(logits.data(), vocab, probs); });
  return c;
}

}  // namespace hetspec::bench
