// generate(): stop ids, context limits, seeded sampling; `hetspec generate` end to end on SmolLM2,
// including the memory claim (weights mapped, not copied).
#include <catch2/catch.hpp>

#include <regex>

#include "../support/paths.hpp"
#include "../support/run_cli.hpp"
#include "../support/sanitizer.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/engine/generate.hpp"
#include "tiny_model.hpp"

using namespace hetspec;

TEST_CASE("generate: greedy is reproducible, stops at stop ids and at a full context", "[forward]") {
  ModelSpec s = test::tiny_spec("llama");
  auto m = test::make_tiny(s, 5, DType::Q4_1, DType::Q8_0);
  CpuForward fw(m->w, 8);
  std::vector<int32_t> prompt{3, 14, 15, 92, 65};
  GenerateOptions opt;
  opt.n = 10;
  KvCache kv1 = fw.make_cache(32);
  GenerateResult a = generate(fw, kv1, prompt, opt);
  REQUIRE(a.tokens.size() == 10);
  CHECK(a.decode_steps == 9);
  CHECK(kv1.length() == int(prompt.size()) + 9);  // the last token is sampled, not yet forwarded
  // Same tokens when the earlier ones are fed back one by one by hand.
  KvCache kv2 = fw.make_cache(32);
  const float* lg = fw.forward(prompt.data(), int(prompt.size()), 0, kv2, 1);
  for (size_t i = 0; i < a.tokens.size(); ++i) {
    CHECK(argmax(lg, s.vocab) == a.tokens[i]);
    lg = fw.forward(&a.tokens[i], 1, int(prompt.size() + i), kv2, 1);
  }
  // Stop id: ends right after emitting it.
  opt.stop_ids = {a.tokens[3]};
  KvCache kv3 = fw.make_cache(32);
  GenerateResult b = generate(fw, kv3, prompt, opt);
  CHECK(b.stopped);
  CHECK(b.tokens.size() <= 4);
  CHECK(b.tokens.back() == a.tokens[3]);
  // Context: 5 prompt + room for 3 more forwards.
  opt.stop_ids.clear();
  KvCache kv4 = fw.make_cache(8);
  GenerateResult c = generate(fw, kv4, prompt, opt);
  CHECK(c.context_full);
  CHECK(c.tokens.size() == 4);
  KvCache kv5 = fw.make_cache(5);
  CHECK_THROWS_WITH(generate(fw, kv5, prompt, opt), Catch::Contains("exceeds the context"));
}

TEST_CASE("generate: seeded sampling repeats", "[forward][sampler]") {
  ModelSpec s = test::tiny_spec("qwen2");
  auto m = test::make_tiny(s, 9);
  CpuForward fw(m->w, 8);
  std::vector<int32_t> prompt{1, 2, 3};
  GenerateOptions opt;
  opt.n = 12;
  opt.sampler = SamplerParams{1.0f, 40, 0.95f, 123};
  KvCache k1 = fw.make_cache(32), k2 = fw.make_cache(32), k3 = fw.make_cache(32);
  auto a = generate(fw, k1, prompt, opt), b = generate(fw, k2, prompt, opt);
  opt.sampler.seed = 124;
  auto c = generate(fw, k3, prompt, opt);
  CHECK(a.tokens == b.tokens);
  CHECK(a.tokens != c.tokens);
}

namespace {
double mb_after(const std::string& text, const std::string& label) {
  std::smatch mm;
  REQUIRE(std::regex_search(text, mm, std::regex(label + " ([0-9.]+) MB")));
  return std::stod(mm[1]);
}
}  // namespace

TEST_CASE("hetspec generate on SmolLM2: text, timings, mapped weights", "[forward][smollm2]") {
  std::string model = test::smollm2_path();
  if (model.empty()) FAIL("SmolLM2-135M-Instruct Q4_1 not found: run scripts/fetch-models.sh (or set HETSPEC_MODEL)");
  auto r = test::run_cli("generate --model " + model + " --prompt 'The capital of France is' --n 8 --threads 2");
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("Paris") != std::string::npos);  // llama.cpp's greedy continuation starts " Paris."
  CHECK(r.err.find("decode:") != std::string::npos);
  CHECK(r.err.find("tokens/s") != std::string::npos);
  // Peak RSS < model file + KV cache + 64 MB: the weights are mapped, not copied.
  double rss = mb_after(r.err, "peak RSS"), kv = mb_after(r.err, "KV cache"), file = mb_after(r.err, "model file");
#if HETSPEC_TEST_ASAN
  // ASan's shadow memory and quarantine add ~110-125 MB of RSS (275-287 MB here under scripts/asan.sh and
  // scripts/test-sanitize.sh): the bound says nothing under it, so it is checked only in the plain builds.
  WARN("ASan build: the peak RSS bound is not checked (" << rss << " MB, bound " << file + kv + 64 << " MB)");
#else
  CHECK(rss < file + kv + 64);
#endif

  auto chat = test::run_cli("generate --model " + model + " --chat --prompt 'Say hello' --n 4");
  CHECK(chat.code == 0);

  std::string long_prompt(400, 'x');
  for (size_t i = 1; i < long_prompt.size(); i += 2) long_prompt[i] = ' ';
  auto too_long = test::run_cli("generate --model " + model + " --ctx 16 --prompt '" + long_prompt + "'");
  CHECK(too_long.code == 2);
  CHECK(too_long.err.find("exceeds the context") != std::string::npos);
  auto bad_ids = test::run_cli("generate --model " + model + " --ids 1,2,x");
  CHECK(bad_ids.code == 2);
  CHECK(bad_ids.err.find("--ids") != std::string::npos);
  auto oov = test::run_cli("generate --model " + model + " --ids 1,99999999");
  CHECK(oov.code == 2);
  CHECK(oov.err.find("outside the vocabulary") != std::string::npos);
}
