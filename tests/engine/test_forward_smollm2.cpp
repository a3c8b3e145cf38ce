// The key correctness proof of the forward pass: on the real SmolLM2-135M-Instruct Q4_1 file, our
// greedy token ids for fixed prompts equal llama.cpp's (tests/fixtures/smollm2_greedy.json, made by
// scripts/make-reference.py with llama-cpp-python; the fixture records the exact command).
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

#include "hetspec/engine/cpu/cpu_model.hpp"
#include "hetspec/engine/generate.hpp"
#include "hetspec/engine/sampler.hpp"
#include "../support/paths.hpp"

using namespace hetspec;

namespace {
nlohmann::json load_fixture() {
  std::ifstream in(test::source_path("tests/fixtures/smollm2_greedy.json"));
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}
std::string model_or_fail() {
  std::string p = test::smollm2_path();
  if (p.empty()) FAIL("SmolLM2-135M-Instruct Q4_1 not found: run scripts/fetch-models.sh (or set HETSPEC_MODEL)");
  return p;
}
}  // namespace

TEST_CASE("SmolLM2 first-step logits match llama.cpp's top 5", "[forward][smollm2]") {
  auto model = CpuModel::load(model_or_fail(), 1);
  auto fx = load_fixture();
  for (const auto& run : fx["runs"]) {
    std::vector<int32_t> prompt = run["prompt_ids"].get<std::vector<int32_t>>();
    KvCache kv = model->make_cache(int(fx["settings"]["n_ctx"]));
    const float* logits = model->forward().forward(prompt.data(), int(prompt.size()), 0, kv, 1);
    INFO("prompt: " << run["prompt_text"].get<std::string>());
    for (const auto& e : run["first_step_top5_logits"]) {
      int id = e[0];
      double want = e[1];
      INFO("token " << id);
      // llama.cpp quantizes activations to 8 bits for Q4_1 dots and keeps attention in f16: logits
      // agree to a few hundredths, not bit-exactly.
      CHECK(logits[id] == Approx(want).margin(0.15));
    }
    CHECK(argmax(logits, model->spec().vocab) == run["first_step_top5_logits"][0][0].get<int>());
  }
}

TEST_CASE("SmolLM2 greedy ids equal llama.cpp's", "[forward][smollm2]") {
  auto model = CpuModel::load(model_or_fail(), 1);
  auto fx = load_fixture();
  REQUIRE(fx["runs"].size() >= 5);
  int total = 0, matched = 0;
  for (const auto& run : fx["runs"]) {
    std::vector<int32_t> prompt = run["prompt_ids"].get<std::vector<int32_t>>();
    std::vector<int32_t> want = run["generated_ids"].get<std::vector<int32_t>>();
    KvCache kv = model->make_cache(int(fx["settings"]["n_ctx"]));
    GenerateOptions opt;
    opt.n = int(want.size());  // greedy, no stop ids: the fixture does not stop at EOS
    GenerateResult r = generate(model->forward(), kv, prompt, opt);
    INFO("prompt: " << run["prompt_text"].get<std::string>());
    CHECK(r.tokens == want);
    for (size_t i = 0; i < want.size() && i < r.tokens.size() && r.tokens[i] == want[i]; ++i) ++matched;
    total += int(want.size());
  }
  INFO("matching prefix tokens: " << matched << " / " << total);
  CHECK(matched == total);
}

TEST_CASE("SmolLM2 teacher-forced: llama.cpp's greedy choice is our top logit up to float noise", "[forward][smollm2]") {
  // Feeds llama.cpp's own tokens, so one near-tie cannot derail the rest of the comparison. At each
  // step llama.cpp chose argmax of its logits; ours must rank that token first, or within `tol` of
  // our best (a tie at the precision both engines keep: llama.cpp's own batched and incremental
  // forwards differ by ~0.15 on these logits).
  auto model = CpuModel::load(model_or_fail(), 1);
  auto fx = load_fixture();
  const double tol = 0.5;
  int steps = 0, agree = 0;
  double worst = 0;
  for (const auto& run : fx["runs"]) {
    std::vector<int32_t> prompt = run["prompt_ids"].get<std::vector<int32_t>>();
    std::vector<int32_t> want = run["generated_ids"].get<std::vector<int32_t>>();
    KvCache kv = model->make_cache(int(fx["settings"]["n_ctx"]));
    CpuForward& fw = model->forward();
    const float* logits = fw.forward(prompt.data(), int(prompt.size()), 0, kv, 1);
    int pos = int(prompt.size());
    for (size_t i = 0; i < want.size(); ++i) {
      int32_t ours = argmax(logits, model->spec().vocab);
      double gap = double(logits[ours]) - double(logits[want[i]]);
      worst = std::max(worst, gap);
      agree += ours == want[i];
      ++steps;
      INFO("prompt: " << run["prompt_text"].get<std::string>() << " step " << i << ": ours " << ours << " llama.cpp "
                      << want[i] << " gap " << gap);
      CHECK(gap < tol);
      logits = fw.forward(&want[i], 1, pos++, kv, 1);
    }
  }
  WARN("teacher-forced argmax agreement " << agree << " / " << steps << ", worst logit gap " << worst);
  CHECK(agree >= steps * 9 / 10);
}
