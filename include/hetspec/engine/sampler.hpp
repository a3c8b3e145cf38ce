// Token samplers: greedy, temperature, top-k, top-p, with a seeded deterministic RNG. Each call
// returns the chosen id AND the full probability vector it was drawn from (one-hot for greedy),
// because speculative sampling compares the target's p with the draft's q token by token.
// Order of the filters (as in Hugging Face / the speculative-sampling papers): logits / T -> softmax
// -> keep top-k -> keep the smallest top-p nucleus -> renormalize -> draw.
#pragma once
#include <cstdint>
#include <random>
#include <vector>

namespace hetspec {

struct SamplerParams {
  float temperature = 0;  // 0 = greedy
  int top_k = 0;          // 0 = no top-k filter
  float top_p = 1;        // 1 = no nucleus filter
  uint64_t seed = 1;
  bool greedy() const { return temperature <= 0; }
};

// Index of the largest value; the lowest index wins ties (as llama.cpp's greedy sampler).
int32_t argmax(const float* x, int64_t n);

class Sampler {
 public:
  explicit Sampler(SamplerParams p = {});
  const SamplerParams& params() const { return p_; }

  // probs (vocab) := the filtered, renormalized distribution of these logits (one-hot when greedy).
  void probabilities(const float* logits, int64_t vocab, std::vector<float>& probs) const;
  // Draws from logits; probs receives the distribution drawn from.
  int32_t sample(const float* logits, int64_t vocab, std::vector<float>& probs);
  // Draws an index from a distribution (sums to ~1), using this sampler's RNG.
  int32_t draw(const std::vector<float>& probs);
  // Uniform in [0, 1) from this sampler's RNG (speculative acceptance tests).
  double uniform();

 private:
  SamplerParams p_;
  std::mt19937_64 rng_;
  mutable std::vector<int32_t> order_;  // scratch for top-k / top-p
};

}  // namespace hetspec
