// Speculative decoding with drafts that borrow the target's embedding and head (hetspec draft v1),
// on small random models: greedy output equals plain greedy (head over the whole vocabulary or over a
// subset, both modes); stochastic sampling with a subset head keeps the target's distribution
// (chi-square: q is 0 outside the subset, which min(1, p/q) and max(0, p − q) handle exactly); a
// target with a subset head is refused; make-draft adds an untied target's head. The same greedy
// exactness on SmolLM2 with a 2-layer cut and a 4096-token head, on the CPU and on PoCL.
#include <catch2/catch.hpp>

#include <map>

#include "../engine/opencl/cl_test_support.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/engine/runner/runner_factory.hpp"
#include "hetspec/model/chat_template.hpp"
#include "hetspec/model/draft_standalone.hpp"
#include "hetspec/model/gguf_spec.hpp"
#include "hetspec/model/tokenizer_gguf.hpp"
#include "hetspec/spec/prompts.hpp"
#include "hetspec/spec/speculative.hpp"
#include "spec_models.hpp"
#include "support/borrowing_draft.hpp"
#include "support/chi_square.hpp"
#include "support/exact_three.hpp"
#include "support/paths.hpp"

using namespace hetspec;

namespace {

struct BorrowPair {
  std::unique_ptr<CpuModel> target, full, subset;
  DeviceRegistry reg;
  std::unique_ptr<Runner> t, dfull, dsub;
  explicit BorrowPair(bool batch_invariant = true) {
    const auto& m = test::spec_models();
    target = CpuModel::load(m.target, 1);
    full = CpuModel::load_draft(m.borrowing, *target, 1);
    subset = CpuModel::load_draft(m.borrowing_subset, *target, 1);
    RunnerSpec rs;
    rs.capacity = 200;
    rs.batch_invariant = batch_invariant;
    rs.plan = parse_device_plan("cpu", 3);
    t = make_runner(*target, rs, reg);
    rs.plan = parse_device_plan("cpu", 2);
    dfull = make_runner(*full, rs, reg);
    dsub = make_runner(*subset, rs, reg);
  }
};

const std::vector<std::vector<int32_t>> kPrompts = {{1, 40, 41, 42}, {1, 100, 7, 9, 200, 31}, {1, 250}, {1, 5, 5, 5}};

}  // namespace

TEST_CASE("greedy speculative decoding with a borrowing draft equals plain greedy", "[spec][draft]") {
  BorrowPair p;
  CHECK(p.dsub->n_logits() == 136);
  CHECK(p.dsub->vocab_map().size() == 136);
  CHECK(p.dfull->vocab_map().empty());
  SpecOptions plain;
  plain.max_new = 32;
  for (const auto& prompt : kPrompts) {
    const auto want = run_request(nullptr, *p.t, prompt, plain).tokens;
    for (Runner* draft : {p.dfull.get(), p.dsub.get()})
      for (Mode mode : {Mode::Sequential, Mode::Overlapped})
        for (int g : {1, 3, 6}) {
          SpecOptions o = plain;
          o.gamma = g;
          o.mode = mode;
          INFO("gamma " << g << " " << mode_name(mode) << (draft == p.dsub.get() ? " subset head" : " full head"));
          CHECK(run_request(draft, *p.t, prompt, o).tokens == want);
        }
  }
}

TEST_CASE("a subset head drafts token ids, not column numbers: a cut of the target is accepted", "[spec][draft]") {
  // The target's own first two layers with a head over the tokens it emits (and others): drafts agree
  // with the target often, which they could not if column j were taken for token j.
  const auto& m = test::spec_models();
  BorrowPair p;
  SpecOptions plain;
  plain.max_new = 24;
  std::vector<std::vector<int32_t>> want;
  std::vector<int32_t> must;
  for (const auto& prompt : kPrompts) {
    want.push_back(run_request(nullptr, *p.t, prompt, plain).tokens);
    must.insert(must.end(), want.back().begin(), want.back().end());
  }
  test::TempDir dir;
  const auto ids = test::head_subset(272, 100, must);
  REQUIRE(ids.size() == 100);
  REQUIRE(std::is_sorted(ids.begin(), ids.end()) == false);
  test::write_draft_cut(m.target, test::draft_cut(2, ids), dir / "self-cut.gguf");
  auto cut = CpuModel::load_draft(dir / "self-cut.gguf", *p.target, 1);
  RunnerSpec rs;
  rs.capacity = 200;
  rs.batch_invariant = true;
  rs.plan = parse_device_plan("cpu", 2);
  auto d = make_runner(*cut, rs, p.reg);
  int accepted = 0, drafted = 0;
  for (size_t i = 0; i < kPrompts.size(); ++i) {
    SpecOptions o = plain;
    o.gamma = 4;
    RequestTrace tr = run_request(d.get(), *p.t, kPrompts[i], o);
    CHECK(tr.tokens == want[i]);
    for (const auto& it : tr.iters) accepted += it.accepted, drafted += it.drafted;
  }
  INFO("accepted " << accepted << " of " << drafted);
  CHECK(accepted > drafted / 5);
}


TEST_CASE("stochastic speculative sampling with a subset-head draft keeps the target's distribution", "[spec][draft][long]") {
  BorrowPair p(false);
  const std::vector<int32_t> prompt = {1, 40, 41, 42};
  SpecOptions o;
  o.max_new = 3;
  o.stop_ids = {};
  o.sampler.temperature = 1.5f;
  o.sampler.top_k = 6;
  o.gamma = 2;
  const auto want = test::exact_three(*p.t, prompt, o.sampler);
  REQUIRE(want.size() > 8);
  // Some of the target's likely tokens lie outside the draft's subset (q = 0 there).
  const auto& ids = test::spec_models().subset;
  int outside = 0;
  for (const auto& [seq, pr] : want)
    if (std::find(ids.begin(), ids.end(), seq[0]) == ids.end()) outside++;
  REQUIRE(outside > 0);
  auto sample = [&](SpecOptions so, int runs) {
    std::map<std::vector<int32_t>, long> counts;
    for (int r = 0; r < runs; ++r) {
      so.sampler.seed = uint64_t(r) * 2654435761u + 17;
      auto toks = run_request(p.dsub.get(), *p.t, prompt, so).tokens;
      REQUIRE(toks.size() == 3);
      counts[toks]++;
    }
    return test::chi_square(counts, want, runs);
  };
  const int runs = 20000;
  auto spec = sample(o, runs);
  INFO("subset-head draft: chi2 " << spec.stat << " df " << spec.df << " p " << spec.p);
  CHECK(spec.p > 0.01);
  o.residual_from_target = true;  // on rejection sampling p instead of the residual: detectably wrong
  auto wrong = sample(o, runs);
  INFO("residual replaced by p: chi2 " << wrong.stat << " p " << wrong.p);
  CHECK(wrong.p < 0.01);
}

TEST_CASE("a subset-head model cannot verify; make-draft adds an untied target's head", "[spec][draft]") {
  BorrowPair p;
  SpecOptions o;
  o.max_new = 4;
  CHECK_THROWS_WITH(run_request(nullptr, *p.dsub, kPrompts[0], o), Catch::Contains("cannot verify"));
  // An untied target: make-draft copies token_embd and output; the standalone draft's logits equal
  // the borrowing draft's.
  test::TempDir dir;
  ModelSpec ts = test::spec_test_spec(3);
  ts.tied_embeddings = false;
  const std::string target = dir / "untied.gguf", cut = dir / "cut.gguf", out = dir / "standalone.gguf";
  make_random_model(ts, 5, std::nullopt, target);
  test::write_draft_cut(test::spec_models().draft, test::draft_cut(2, test::spec_models().subset, true),
                        cut);
  StandaloneDraft r = write_standalone_draft(target, cut, out);
  CHECK(r.with_output);
  GgufFile f = GgufFile::open(out);
  CHECK(f.find_tensor(kTokenEmbdTensor));
  CHECK(f.find_tensor(kOutputTensor));
  CHECK(f.array_size(kHeadTokenIdsKey) == 136);
  auto tm = CpuModel::load(target, 1);
  auto borrowing = CpuModel::load_draft(cut, *tm, 1);
  auto alone = CpuModel::load(out, 1);
  CHECK(borrowing->weights().head_token_ids == test::spec_models().subset);
  const int32_t toks[4] = {1, 40, 41, 42};
  KvCache a = borrowing->make_cache(8), b = alone->make_cache(8);
  const float* x = borrowing->forward().forward(toks, 4, 0, a, 4);
  std::vector<float> xa(x, x + 4 * 136);
  const float* y = alone->forward().forward(toks, 4, 0, b, 4);
  CHECK(std::vector<float>(y, y + 4 * 136) == xa);
}

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

// SmolLM2 with a 2-layer cut of itself as a borrowing draft whose head covers 4096 tokens, the
// target's greedy tokens among them: speculative greedy output on the plans given equals plain greedy.
void check_smollm2_exact(const std::vector<std::string>& plans, Mode mode, const std::vector<int>& gammas, int max_new) {
  const std::string path = test::smollm2_path();
  if (path.empty()) FAIL("SmolLM2 model missing: run scripts/fetch-models.sh or set HETSPEC_MODEL");
  auto target = CpuModel::load(path, 1);
  auto prompts = chat_prompts(*target, "translation-en-de.jsonl", 1);
  auto qa = chat_prompts(*target, "qa-chat.jsonl", 1);
  prompts.insert(prompts.end(), qa.begin(), qa.end());
  DeviceRegistry reg;
  RunnerSpec rs;
  rs.capacity = 256;
  rs.batch_invariant = true;
  rs.threads = 2;  // overlapped runners on the CPU share the registry's 2-thread pool: their loops take turns
  rs.plan = parse_device_plan(plans[0], 30);
  auto t = make_runner(*target, rs, reg);
  SpecOptions plain;
  plain.max_new = max_new;
  std::vector<std::vector<int32_t>> want;
  std::vector<int32_t> must;
  for (const auto& pr : prompts) {
    want.push_back(run_request(nullptr, *t, pr, plain).tokens);
    must.insert(must.end(), want.back().begin(), want.back().end());
  }
  test::TempDir dir;
  const std::string cut = dir / "draft.gguf";
  const auto ids = test::head_subset(49152, 4096, must);
  test::write_draft_cut(path, test::draft_cut(2, ids), cut);
  auto draft = CpuModel::load_draft(cut, *target, 1);
  rs.plan = parse_device_plan(plans[1], 2);
  auto d = make_runner(*draft, rs, reg);
  REQUIRE(d->n_logits() == 4096);
  for (size_t i = 0; i < prompts.size(); ++i)
    for (int g : gammas) {
      SpecOptions o = plain;
      o.gamma = g;
      o.mode = mode;
      INFO("prompt " << i << " target " << plans[0] << " draft " << plans[1] << " gamma " << g << " " << mode_name(mode));
      CHECK(run_request(d.get(), *t, prompts[i], o).tokens == want[i]);
    }
}

}  // namespace

TEST_CASE("SmolLM2 with a borrowing subset-head draft: greedy speculative output equals plain greedy (CPU)",
          "[spec][draft][smollm2]") {
  check_smollm2_exact({"cpu", "cpu"}, Mode::Sequential, {1, 3, 5}, 16);
  check_smollm2_exact({"cpu", "cpu"}, Mode::Overlapped, {3}, 12);
}

TEST_CASE("SmolLM2 with a borrowing subset-head draft on PoCL and a split", "[spec][draft][smollm2][opencl]") {
  HS_CL_TEST_DEVICE(dev);
  (void)dev;
  check_smollm2_exact({"cpu", "cl:0"}, Mode::Sequential, {3}, 8);
  check_smollm2_exact({"cl:0", "cpu:0-0,cl:0:1-1,head=cl:0"}, Mode::Sequential, {2}, 8);
}
