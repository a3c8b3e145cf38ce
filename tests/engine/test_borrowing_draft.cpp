// A draft that borrows its target's token embedding and LM head (hetspec draft v1), cut from the real
// SmolLM2-135M-Instruct: its first two layers and output_norm, no token_embd / output. It loads beside
// the target with views into the target's mapping; its logits equal those of the same two layers with
// an embedding of their own; a head over a 4096-token subset gives exactly the full head's logits at
// those tokens; make-draft's standalone file gives the same logits; a changed tokenizer is refused.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "hetspec/core/error.hpp"
#include "opencl/cl_test_support.hpp"
#include "hetspec/engine/cpu_model.hpp"
#include "hetspec/engine/generate.hpp"
#include "hetspec/engine/runner/runner_factory.hpp"
#include "hetspec/model/draft_standalone.hpp"
#include "support/borrowing_draft.hpp"
#include "support/paths.hpp"
#include "support/run_cli.hpp"
#include "truncated_gguf.hpp"

using namespace hetspec;

namespace {

std::string smollm2_or_fail() {
  std::string p = test::smollm2_path();
  if (p.empty()) FAIL("SmolLM2-135M-Instruct Q4_1 not found: run scripts/fetch-models.sh (or set HETSPEC_MODEL)");
  return p;
}

// The target and the test drafts, written once per test run.
struct SmolDrafts {
  test::TempDir dir;
  std::string target, full, subset, own;  // own: the same two layers with the target's embedding inside
  std::vector<int32_t> ids;               // the subset head's token ids (4096, unsorted)
  explicit SmolDrafts(const std::string& t) : target(t) {
    full = dir / "draft-full.gguf";
    subset = dir / "draft-subset.gguf";
    own = dir / "own-2layers.gguf";
    ids = test::head_subset(49152, 4096, {2, 1, 0, 198, 504});
    test::write_draft_cut(target, test::draft_cut(2), full);
    test::write_draft_cut(target, test::draft_cut(2, ids), subset);
    test::write_truncated_gguf(target, 2, own);
  }
};
const SmolDrafts& smol_drafts() {
  static SmolDrafts d(smollm2_or_fail());
  return d;
}

// Logits (m, n_logits) of every position of `toks` from a fresh cache.
std::vector<float> all_rows(CpuModel& m, const std::vector<int32_t>& toks) {
  KvCache kv = m.make_cache(64);
  const float* y = m.forward().forward(toks.data(), int(toks.size()), 0, kv, int(toks.size()));
  return std::vector<float>(y, y + toks.size() * size_t(m.spec().n_logits()));
}

const std::vector<int32_t> kToks = {1, 9690, 28, 2683, 314, 253, 1345, 30, 5248, 392, 2};

}  // namespace

TEST_CASE("a borrowing draft reads its target's embedding and head in place", "[engine][draft][smollm2]") {
  const auto& d = smol_drafts();
  auto target = CpuModel::load(d.target, 1);
  auto full = CpuModel::load_draft(d.full, *target, 1);
  auto sub = CpuModel::load_draft(d.subset, *target, 1);
  const ModelWeights& tw = target->weights();
  CHECK(full->spec().borrows_embedding);
  CHECK(full->spec().embed_dtype == target->spec().embed_dtype);
  CHECK(full->spec().tied_embeddings == target->spec().tied_embeddings);
  CHECK(full->spec().n_layers == 2);
  // Views into the target's mapping, not copies.
  CHECK(full->weights().token_embd.data == tw.token_embd.data);
  CHECK(full->weights().output.data == tw.output.data);
  CHECK(full->weights().head_token_ids.empty());
  CHECK(sub->weights().token_embd.data == tw.token_embd.data);
  // The subset head: a gathered (n_sub, d) copy of those rows, byte for byte.
  const WeightView& h = sub->weights().output;
  REQUIRE(h.rows == 4096);
  CHECK(sub->spec().head_rows == 4096);
  CHECK(sub->spec().n_logits() == 4096);
  CHECK(h.cols == tw.output.cols);
  CHECK(h.dtype == tw.output.dtype);
  CHECK(h.data != tw.output.data);
  CHECK(sub->weights().head_token_ids == d.ids);
  for (size_t j : {size_t(0), size_t(1), size_t(2047), size_t(4095)})
    CHECK(std::memcmp(h.row(int64_t(j)), tw.output.row(d.ids[j]), h.row_stride()) == 0);
}

TEST_CASE("borrowed-head logits equal an own-embedding model's; the subset head equals the full head's rows",
          "[engine][draft][smollm2]") {
  const auto& d = smol_drafts();
  auto target = CpuModel::load(d.target, 1);
  auto own = CpuModel::load(d.own, 1);
  auto full = CpuModel::load_draft(d.full, *target, 1);
  auto sub = CpuModel::load_draft(d.subset, *target, 1);
  for (bool reference : {false, true}) {
    INFO((reference ? "scalar reference matmul" : "fast kernels"));
    for (CpuModel* m : {own.get(), full.get(), sub.get()}) m->forward().set_reference_matmul(reference);
    const auto a = all_rows(*own, kToks), b = all_rows(*full, kToks), c = all_rows(*sub, kToks);
    CHECK(a == b);  // the same bytes, read in place
    const int64_t V = 49152, S = 4096;
    size_t mismatches = 0;
    for (size_t r = 0; r < kToks.size(); ++r)
      for (int64_t j = 0; j < S; ++j) mismatches += c[r * S + size_t(j)] != b[r * V + size_t(d.ids[size_t(j)])];
    CHECK(mismatches == 0);
  }
}

TEST_CASE("a borrowing draft alone, or beside a target with another tokenizer, is one error naming the key",
          "[engine][draft][smollm2]") {
  const auto& d = smol_drafts();
  CHECK_THROWS_WITH(CpuModel::load(d.subset, 1), Catch::StartsWith(d.subset + ": token_embd.weight: missing tensor"));
  auto target = CpuModel::load(d.target, 1);
  test::TempDir dir;
  // One merge changed.
  {
    GgufFile f = GgufFile::open(d.full);
    GgufWriter w(f.alignment());
    w.copy_metadata(f);
    auto merges = f.get_string_array("tokenizer.ggml.merges");
    std::vector<std::string> m(merges.begin(), merges.end());
    std::swap(m[10], m[11]);
    w.set_string_array("tokenizer.ggml.merges", m);
    for (const auto& t : f.tensors()) w.add_tensor(t.name, t.ggml_type, t.dims, std::string(reinterpret_cast<const char*>(t.data), t.n_bytes));
    w.write(dir / "other-merges.gguf");
  }
  CHECK_THROWS_WITH(CpuModel::load_draft(dir / "other-merges.gguf", *target, 1),
                    Catch::StartsWith(dir / "other-merges.gguf" + ": tokenizer.ggml.merges: differs from the target's (" +
                                      d.target + ")"));
  // Another eos id.
  {
    GgufFile f = GgufFile::open(d.full);
    GgufWriter w(f.alignment());
    w.copy_metadata(f);
    w.set_u32("tokenizer.ggml.eos_token_id", 7);
    for (const auto& t : f.tensors()) w.add_tensor(t.name, t.ggml_type, t.dims, std::string(reinterpret_cast<const char*>(t.data), t.n_bytes));
    w.write(dir / "other-eos.gguf");
  }
  CHECK_THROWS_WITH(CpuModel::load_draft(dir / "other-eos.gguf", *target, 1),
                    Catch::Contains("other-eos.gguf: tokenizer.ggml.eos_token_id: differs"));
  // Any whole model with the same tokenizer and width lends its embedding (here the two-layer cut).
  auto other_target = CpuModel::load(d.own, 1);
  CHECK_NOTHROW(CpuModel::load_draft(d.full, *other_target, 1));
}

TEST_CASE("make-draft: the standalone file loads alone and gives the draft's logits", "[engine][draft][smollm2]") {
  const auto& d = smol_drafts();
  auto target = CpuModel::load(d.target, 1);
  auto sub = CpuModel::load_draft(d.subset, *target, 1);
  test::TempDir dir;
  const std::string out = dir / "standalone.gguf";
  StandaloneDraft r = write_standalone_draft(d.target, d.subset, out);
  CHECK_FALSE(r.with_output);  // SmolLM2's head is tied
  CHECK_FALSE(r.spec.borrows_embedding);
  CHECK(r.spec.head_rows == 4096);
  auto alone = CpuModel::load(out, 1);
  CHECK(alone->weights().token_embd.data != target->weights().token_embd.data);
  CHECK(alone->weights().head_token_ids == d.ids);
  CHECK(all_rows(*alone, kToks) == all_rows(*sub, kToks));
  // On a runner it maps its columns to tokens: generation emits only tokens of the subset.
  DeviceRegistry reg;
  RunnerSpec rs;
  rs.plan = parse_device_plan("cpu", 2);
  rs.capacity = 64;
  auto runner = make_runner(*alone, rs, reg);
  CHECK(runner->n_logits() == 4096);
  REQUIRE(runner->vocab_map().size() == 4096);
  CHECK(runner->vocab_map()[5] == d.ids[5]);
  GenerateOptions go;
  go.n = 6;
  auto g = generate(*runner, kToks, go);
  REQUIRE(g.tokens.size() == 6);
  for (int32_t t : g.tokens) CHECK(std::find(d.ids.begin(), d.ids.end(), t) != d.ids.end());
  // Bad input: a whole model as the draft; no file is left behind.
  const std::string bad = dir / "bad.gguf";
  CHECK_THROWS_WITH(write_standalone_draft(d.target, d.own, bad), Catch::StartsWith(d.own + ": token_embd.weight: present"));
  CHECK_FALSE(std::filesystem::exists(bad));
  CHECK_THROWS_WITH(write_standalone_draft(d.target, d.subset, d.subset), Catch::StartsWith("--out: "));
}

TEST_CASE("the subset head on an OpenCL device and on a split gives the CPU's logits", "[engine][draft][smollm2][opencl]") {
  HS_CL_TEST_DEVICE(dev);
  (void)dev;
  const auto& d = smol_drafts();
  auto target = CpuModel::load(d.target, 1);
  auto sub = CpuModel::load_draft(d.subset, *target, 1);
  auto full = CpuModel::load_draft(d.full, *target, 1);
  DeviceRegistry reg;
  RunnerSpec rs;
  rs.capacity = 64;
  rs.plan = parse_device_plan("cpu", 2);
  auto cpu = make_runner(*sub, rs, reg);
  const int m = int(kToks.size());
  const float* y = cpu->forward(kToks.data(), m, 0, m);
  const std::vector<float> want(y, y + size_t(m) * 4096);
  for (const char* plan : {"cl:0", "cpu:0-0,cl:0:1-1", "cl:0:0-1,head=cpu"}) {
    INFO(plan);
    rs.plan = parse_device_plan(plan, 2);
    auto r = make_runner(*sub, rs, reg);
    REQUIRE(r->n_logits() == 4096);
    CHECK(std::vector<int32_t>(r->vocab_map().begin(), r->vocab_map().end()) == d.ids);
    const float* x = r->forward(kToks.data(), m, 0, m);
    double worst = 0, scale = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      worst = std::max(worst, double(std::fabs(x[i] - want[i])));
      scale = std::max(scale, double(std::fabs(want[i])));
    }
    INFO("max |device - cpu| " << worst << " of logits up to " << scale);
    CHECK(worst <= 0.02 * scale);  // the device's kernels round otherwise (f32 activations)
    // Against the whole-vocabulary head on the same plan: the same rows, the same numbers.
    std::vector<float> got(x, x + size_t(m) * 4096);
    auto fr = make_runner(*full, rs, reg);
    const float* z = fr->forward(kToks.data(), m, 0, m);
    double off = 0;
    for (int r = 0; r < m; ++r)
      for (size_t j = 0; j < 4096; ++j)
        off = std::max(off, double(std::fabs(got[size_t(r) * 4096 + j] - z[size_t(r) * 49152 + size_t(d.ids[j])])));
    CHECK(off <= 1e-4);
  }
}
