#include "hetspec/engine/generate.hpp"

#include <algorithm>
#include <chrono>
#include <string>

#include "hetspec/core/error.hpp"

namespace hetspec {

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

GenerateResult generate(CpuForward& fw, KvCache& kv, const std::vector<int32_t>& prompt, const GenerateOptions& opt,
                        const std::function<void(int32_t)>& on_token) {
  check(kv.length() == 0 && kv.layer_begin() == 0 && kv.layer_end() == fw.spec().n_layers, "generate",
        "needs an empty KV cache over all layers");
  return generate_with([&](const int32_t* t, int m, int pos) { return fw.forward(t, m, pos, kv, 1); }, kv.capacity(),
                       fw.spec().n_logits(), fw.weights().head_token_ids, prompt, opt, on_token);
}

GenerateResult generate(Runner& runner, const std::vector<int32_t>& prompt, const GenerateOptions& opt,
                        const std::function<void(int32_t)>& on_token) {
  check(runner.length() == 0, "generate", "needs an empty KV cache");
  return generate_with([&](const int32_t* t, int m, int pos) { return runner.forward(t, m, pos, 1); },
                       runner.capacity(), runner.n_logits(), runner.vocab_map(), prompt, opt, on_token,
                       [&](const int32_t* t, int m, int pos) {
                         int32_t id = 0;
                         runner.forward_argmax(t, m, pos, 1, nullptr, &id);
                         return id;
                       });
}

GenerateResult generate_with(const ForwardStep& step, int capacity, int64_t n_logits, std::span<const int32_t> vocab_map,
                             const std::vector<int32_t>& prompt, const GenerateOptions& opt,
                             const std::function<void(int32_t)>& on_token, const GreedyStep& greedy_step) {
  check(vocab_map.empty() || int64_t(vocab_map.size()) == n_logits, "generate", "vocabulary map and logit width differ");
  check(!prompt.empty(), "generate", "empty prompt");
  check(opt.n >= 0, "generate", "n must be >= 0");
  const int n_prompt = int(prompt.size());
  if (n_prompt >= capacity)
    throw Error("generate", "prompt of " + std::to_string(n_prompt) + " tokens exceeds the context of " +
                                std::to_string(capacity) + " positions (at least one more is needed to generate)");
  GenerateResult r;
  r.prompt_tokens = n_prompt;
  if (opt.n == 0) return r;
  Sampler sampler(opt.sampler);
  std::vector<float> probs;
  auto emit_id = [&](int32_t id) {
    r.tokens.push_back(id);
    if (on_token) on_token(id);
    r.stopped = std::find(opt.stop_ids.begin(), opt.stop_ids.end(), id) != opt.stop_ids.end();
  };
  // One forward and its token: the greedy step where there is one, else the logits sampled.
  const bool pick = greedy_step && opt.sampler.greedy();
  auto next = [&](const int32_t* t, int m, int pos) {
    if (pick) return emit_id(greedy_step(t, m, pos));
    const int32_t col = sampler.sample(step(t, m, pos), n_logits, probs);
    emit_id(vocab_map.empty() ? col : vocab_map[size_t(col)]);
  };

  auto t0 = std::chrono::steady_clock::now();
  next(prompt.data(), n_prompt, 0);
  r.prefill_s = seconds_since(t0);

  t0 = std::chrono::steady_clock::now();
  int pos = n_prompt;
  while (int(r.tokens.size()) < opt.n && !r.stopped) {
    if (pos >= capacity) {
      r.context_full = true;
      break;
    }
    int32_t last = r.tokens.back();
    next(&last, 1, pos);
    ++pos;
    ++r.decode_steps;
  }
  r.decode_s = seconds_since(t0);
  return r;
}

}  // namespace hetspec
