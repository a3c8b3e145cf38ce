// The cost model prices a draft that borrows its target's embedding and head (hetspec draft v1):
// its head at n_sub rows when it covers a vocabulary subset (matmul, logits read, host sampling),
// and its memory without a second embedding / head on unified memory (the subset head is a copy).
#include <catch2/catch.hpp>

#include "hetspec/cost/memory.hpp"
#include "hetspec/cost/spec_cost.hpp"
#include "hetspec/model/draft_gguf.hpp"
#include "support/paths.hpp"

using namespace hetspec;
using hetspec::test::source_path;

namespace {
Profile toy() { return load_profile(source_path("tests/fixtures/toy-soc.yaml")); }
ModelSpec smollm2() { return load_model_spec(source_path("configs/models/smollm2-135m.yaml")); }

// A 2-layer draft of SmolLM2's width that borrows its embedding and head; head_rows 0 = whole vocabulary.
ModelSpec borrowing_draft(int head_rows) {
  ModelSpec d = smollm2();
  d.name = "draft";
  d.n_layers = 2;
  d.borrows_embedding = true;
  d.head_rows = head_rows;
  d.embed_dtype = DType::F32;  // overwritten by the target's on pairing
  return borrowing_draft_spec(d, "draft.gguf", smollm2());
}

Plan cpu_plan(const Profile& p, int gamma) {
  Plan plan;
  plan.gamma = gamma;
  plan.target.pu = plan.target.head_pu = p.pu_index("cpu");
  plan.draft.pu = plan.draft.head_pu = p.pu_index("gpu");
  plan.target.dtype = plan.draft.dtype = DType::Q4_0;
  plan.threads.assign(p.pus.size(), 1);
  plan.threads[p.pu_index("cpu")] = 4;
  return plan;
}
}  // namespace

TEST_CASE("a borrowing draft's spec: the target's embedding dtype, its own params, n_sub logits", "[cost][draft]") {
  const ModelSpec t = smollm2();
  const ModelSpec full = borrowing_draft(0), sub = borrowing_draft(8192);
  CHECK(full.embed_dtype == t.embed_dtype);
  CHECK(full.tied_embeddings == t.tied_embeddings);
  CHECK(full.n_logits() == t.vocab);
  CHECK(sub.n_logits() == 8192);
  CHECK(sub.head_params() == int64_t(8192) * t.d_model);
  CHECK(full.total_params() == 2 * full.layer_params());
  CHECK(sub.total_params() == 2 * sub.layer_params() + sub.head_params());
  ModelSpec wide = smollm2();
  wide.borrows_embedding = true;
  wide.d_model = 640;
  CHECK_THROWS_WITH(borrowing_draft_spec(wide, "w.gguf", t), Catch::StartsWith("w.gguf: llama.embedding_length: 640 differs"));
  CHECK_THROWS_WITH(check_draft_target_pair(t, "t.gguf", full, "d.gguf"), Catch::StartsWith("d.gguf: token_embd.weight: missing"));
  ModelSpec subset_target = t;
  subset_target.head_rows = 100;
  CHECK_THROWS_WITH(check_draft_target_pair(t, "t.gguf", subset_target, "s.gguf"),
                    Catch::StartsWith("s.gguf: hetspec.draft.head_token_ids: its LM head covers 100 of 49152"));
}

TEST_CASE("memory: a borrowing draft holds its layers (and a subset head's copy) only on unified memory", "[cost][draft]") {
  const Profile p = toy();
  REQUIRE(p.unified_memory);
  ModelPlacement pl;
  pl.pu = pl.head_pu = p.pu_index("gpu");
  pl.dtype = DType::Q4_0;
  const ModelSpec full = borrowing_draft(0), sub = borrowing_draft(4096);
  const double layers = 2 * (full.layer_params() * bytes_per_weight(DType::Q4_0) + 2.0 * full.d_model * 4);
  std::array<PuUse, kMaxPus> a{}, b{};
  add_model_memory(full, pl, p, 1, 100, a);
  add_model_memory(sub, pl, p, 1, 100, b);
  CHECK(a[size_t(pl.pu)].weights == Approx(layers));
  CHECK(b[size_t(pl.pu)].weights == Approx(layers + sub.head_bytes()));
  CHECK(sub.head_bytes() == Approx(4096.0 * full.d_model * bytes_per_weight(full.embed_dtype) + full.d_model * 4.0));
  // The same draft with an embedding of its own counts it (tied: once, shared with the head).
  ModelSpec own = full;
  own.borrows_embedding = false;
  std::array<PuUse, kMaxPus> c{};
  add_model_memory(own, pl, p, 1, 100, c);
  CHECK(c[size_t(pl.pu)].weights == Approx(layers + own.head_bytes()));
  // Logit scratch: n_sub columns.
  CHECK(b[size_t(pl.pu)].scratch < a[size_t(pl.pu)].scratch);
}

TEST_CASE("a subset head is priced at n_sub rows: draft forward, logits read, host sampling", "[cost][draft]") {
  const Profile p = toy();
  const ModelSpec t = smollm2();
  const ModelSpec full = borrowing_draft(0), sub = borrowing_draft(8192);
  const Plan plan = cpu_plan(p, 4);
  Workload w;
  const PlanTiming a = time_plan(plan, full, t, p, w), b = time_plan(plan, sub, t, p, w);
  REQUIRE(a.feasible);
  REQUIRE(b.feasible);
  const size_t gpu = size_t(p.pu_index("gpu"));
  // The head streams (n, d) weights: 8192 of 49152 rows.
  CHECK(b.draft1.per_pu[gpu].head == Approx(a.draft1.per_pu[gpu].head * 8192.0 / 49152).epsilon(0.02));
  CHECK(b.draft1.per_pu[gpu].qkv == Approx(a.draft1.per_pu[gpu].qkv));
  CHECK(b.host_draft_row_us == Approx(a.host_draft_row_us * 8192.0 / 49152));
  CHECK(b.draft1.transfer_us < a.draft1.transfer_us);
  // The target is untouched.
  CHECK(b.verify.total_us() == Approx(a.verify.total_us()));
  const Acceptance acc = parse_alpha("0.6");
  CHECK(finish(b, plan, sub, acc, w).per_token_us < finish(a, plan, full, acc, w).per_token_us);
}
