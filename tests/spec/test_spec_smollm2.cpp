// Greedy speculative decoding of SmolLM2-135M-Instruct with self:K drafts gives token-for-token the
// target's plain greedy output, on the CPU, PoCL and a CPU/PoCL split, sequential and overlapped, in
// batch-invariant mode (row i of a verify forward bit-equal to a one-token forward). A representative
// subset of the prompt sets; scripts/check-spec-exactness.sh runs the whole matrix.
#include <catch2/catch.hpp>

#include "../engine/opencl/cl_test_support.hpp"
#include "hetspec/engine/runner/runner_factory.hpp"
#include "hetspec/model/chat_template.hpp"
#include "hetspec/model/tokenizer_gguf.hpp"
#include "hetspec/spec/prompts.hpp"
#include "hetspec/spec/speculative.hpp"
#include "support/paths.hpp"

using namespace hetspec;

namespace {

std::vector<std::vector<int32_t>> chat_prompts(const CpuModel& m, const std::string& set, size_t n) {
  Tokenizer tok = tokenizer_from_gguf(m.file());
  std::vector<std::vector<int32_t>> out;
  for (const auto& p : load_prompts(test::source_path("configs/prompts/" + set))) {
    if (out.size() == n) break;
    out.push_back(tok.encode(apply_chat_template(tok.chat_template(), {{"user", p.prompt}}, true, "template"), true, true));
  }
  return out;
}

// Plain greedy on `target_plan` vs speculative with self:K on `draft_plan`.
void check_exact(const CpuModel& model, const std::string& target_plan, const std::string& draft_plan, int K,
                 Mode mode, const std::vector<int>& gammas, const std::vector<std::vector<int32_t>>& prompts, int max_new) {
  DeviceRegistry reg;
  RunnerSpec rs;
  rs.capacity = 256;
  rs.batch_invariant = true;
  rs.threads = 2;
  rs.plan = parse_device_plan(target_plan, 30);
  auto target = make_runner(model, rs, reg);
  rs.plan = parse_device_plan(draft_plan, K);
  auto draft = make_runner(model, rs, reg);
  SpecOptions plain;
  plain.max_new = max_new;
  for (size_t i = 0; i < prompts.size(); ++i) {
    const auto want = run_request(nullptr, *target, prompts[i], plain).tokens;
    for (int g : gammas) {
      SpecOptions o = plain;
      o.gamma = g;
      o.mode = mode;
      INFO("prompt " << i << " target " << target_plan << " draft " << draft_plan << " self:" << K << " gamma " << g
                     << " " << mode_name(mode));
      CHECK(run_request(draft.get(), *target, prompts[i], o).tokens == want);
    }
  }
}

}  // namespace

TEST_CASE("SmolLM2 greedy speculative output equals plain greedy decoding on the CPU", "[spec][smollm2]") {
  const std::string path = test::smollm2_path();
  if (path.empty()) FAIL("SmolLM2 model missing: run scripts/fetch-models.sh or set HETSPEC_MODEL");
  auto model = CpuModel::load(path, 1);
  auto prompts = chat_prompts(*model, "translation-en-de.jsonl", 1);
  auto qa = chat_prompts(*model, "qa-chat.jsonl", 1);
  prompts.insert(prompts.end(), qa.begin(), qa.end());
  check_exact(*model, "cpu", "cpu", 8, Mode::Sequential, {1, 4, 8}, prompts, 16);
  check_exact(*model, "cpu", "cpu", 15, Mode::Sequential, {2}, prompts, 16);
}

TEST_CASE("SmolLM2 greedy speculative output equals plain greedy on PoCL, a split, and overlapped", "[spec][smollm2][opencl]") {
  HS_CL_TEST_DEVICE(dev);
  (void)dev;
  const std::string path = test::smollm2_path();
  if (path.empty()) FAIL("SmolLM2 model missing: run scripts/fetch-models.sh or set HETSPEC_MODEL");
  auto model = CpuModel::load(path, 1);
  auto prompts = chat_prompts(*model, "translation-en-fr.jsonl", 1);
  check_exact(*model, "cl:0", "cl:0", 8, Mode::Sequential, {2}, prompts, 8);
  check_exact(*model, "cpu:0-11,cl:0:12-29", "cpu", 8, Mode::Sequential, {4}, prompts, 8);
  check_exact(*model, "cl:0", "cpu", 8, Mode::Overlapped, {4}, prompts, 8);
}
