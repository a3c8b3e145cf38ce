// The shipped draft (models/smollm2-135m-draft.gguf, issue 14) against the bundled target: it loads
// only by borrowing the target's embedding and head (views into the target's mapping), its head is
// the 4096-token subset, greedy speculative output equals plain greedy decoding, and the target
// accepts its drafts at about the measured rate on a few translation prompts (docs/draft.md reports
// 0.46-0.60 at the first position on the translation sets; asserted loosely here).
#include <catch2/catch.hpp>

#include "hetspec/core/error.hpp"
#include "hetspec/engine/runner/runner_factory.hpp"
#include "hetspec/model/chat_template.hpp"
#include "hetspec/model/tokenizer_gguf.hpp"
#include "hetspec/spec/prompts.hpp"
#include "hetspec/spec/speculative.hpp"
#include "support/paths.hpp"

using namespace hetspec;

TEST_CASE("the shipped draft borrows the target's embedding and head and is accepted", "[spec][draft][smollm2]") {
  const std::string path = test::smollm2_path();
  if (path.empty()) FAIL("SmolLM2 model missing: run scripts/fetch-models.sh or set HETSPEC_MODEL");
  const std::string dpath = test::source_path("models/smollm2-135m-draft.gguf");
  auto target = CpuModel::load(path, 1);
  CHECK_THROWS_AS(CpuModel::load(dpath, 1), Error);  // no embedding of its own
  auto draft = CpuModel::load_draft(dpath, *target, 1);
  CHECK(draft->spec().n_layers == 5);
  CHECK(draft->spec().borrows_embedding);
  CHECK(draft->spec().head_rows == 4096);
  CHECK(draft->weights().token_embd.data == target->weights().token_embd.data);  // a view, not a copy

  DeviceRegistry reg;
  RunnerSpec rs;
  rs.capacity = 256;
  rs.batch_invariant = true;
  rs.plan = parse_device_plan("cpu", 30);
  auto t = make_runner(*target, rs, reg);
  rs.plan = parse_device_plan("cpu", draft->spec().n_layers);
  auto d = make_runner(*draft, rs, reg);
  CHECK(d->n_logits() == 4096);

  Tokenizer tok = tokenizer_from_gguf(target->file());
  int reached = 0, accepted = 0;
  size_t n = 0;
  for (const auto& p : load_prompts(test::source_path("configs/prompts/translation-en-fr.jsonl"))) {
    if (n++ == 4) break;
    const auto ids = tok.encode(apply_chat_template(tok.chat_template(), {{"user", p.prompt}}, true, "template"), true, true);
    SpecOptions plain;
    plain.max_new = 40;
    const auto want = run_request(nullptr, *t, ids, plain).tokens;
    SpecOptions o = plain;
    o.gamma = 4;
    const RequestTrace tr = run_request(d.get(), *t, ids, o);
    INFO(p.id);
    CHECK(tr.tokens == want);
    for (const auto& it : tr.iters) {
      reached += it.drafted > 0 ? 1 : 0;
      accepted += it.accepted > 0 ? 1 : 0;
    }
  }
  const double first = reached ? static_cast<double>(accepted) / reached : 0.0;
  INFO("first-position acceptance " << first << " over " << reached << " iterations");
  CHECK(reached >= 30);
  CHECK(first > 0.2);
  CHECK(first < 0.8);
}
