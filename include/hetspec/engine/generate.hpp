// Plain autoregressive generation on a CpuForward: prefill the prompt in one batched forward,
// then decode one token per forward, sampling each from the logits. Timed per phase, since
// prefill and decode tokens/s are what `hetspec generate` reports and what speculative decoding
// is compared against.
#pragma once
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "hetspec/engine/cpu_forward.hpp"
#include "hetspec/engine/runner/runner.hpp"
#include "hetspec/engine/sampler.hpp"

namespace hetspec {

struct GenerateOptions {
  int n = 64;                      // tokens to generate at most
  SamplerParams sampler;           // temperature 0 = greedy
  std::vector<int32_t> stop_ids;   // generation ends after emitting one of these (e.g. EOS)
};

struct GenerateResult {
  std::vector<int32_t> tokens;     // generated ids (stop id included when hit)
  int prompt_tokens = 0;
  double prefill_s = 0;            // the prompt's forward + sampling the first token
  double decode_s = 0;             // every later single-token forward + sampling
  int decode_steps = 0;            // forwards timed in decode_s (= tokens.size() - 1)
  bool stopped = false;            // hit a stop id
  bool context_full = false;       // ended early because the KV cache was full
  double prefill_tps() const { return prefill_s > 0 ? prompt_tokens / prefill_s : 0; }
  double decode_tps() const { return decode_s > 0 ? decode_steps / decode_s : 0; }
};

// kv must be empty (length 0) and cover all layers. Throws Error when the prompt is empty or
// does not fit the cache ("prompt of N tokens exceeds the context of C").
// on_token (optional) is called with each generated id as soon as it is chosen.
GenerateResult generate(CpuForward& fw, KvCache& kv, const std::vector<int32_t>& prompt, const GenerateOptions& opt,
                        const std::function<void(int32_t)>& on_token = {});

// The same over any backend's runner (must be empty: length 0).
GenerateResult generate(Runner& runner, const std::vector<int32_t>& prompt, const GenerateOptions& opt,
                        const std::function<void(int32_t)>& on_token = {});

// The prefill + decode loop every backend shares. step(tokens, m, pos) runs m tokens starting at
// position pos and returns the last row's logits (1, n_logits); capacity is the context in positions.
// vocab_map: the token of each logit column of a head over a vocabulary subset (empty: column = token).
// greedy_step (optional, used when the sampler is greedy): the same forward returning the token id of
// its last row's argmax directly (Runner::forward_argmax: picked on the device that holds the head).
using ForwardStep = std::function<const float*(const int32_t* tokens, int m, int pos)>;
using GreedyStep = std::function<int32_t(const int32_t* tokens, int m, int pos)>;
GenerateResult generate_with(const ForwardStep& step, int capacity, int64_t n_logits, std::span<const int32_t> vocab_map,
                             const std::vector<int32_t>& prompt, const GenerateOptions& opt,
                             const std::function<void(int32_t)>& on_token = {}, const GreedyStep& greedy_step = {});

}  // namespace hetspec
