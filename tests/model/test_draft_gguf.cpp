// The "hetspec draft v1" contract on the reading side: a GGUF without token_embd / output is a
// borrowing draft (spec, tensor check, inspect), hetspec.draft.head_token_ids gives the head's rows
// (int32 or uint32, unique, inside the vocabulary: anything else is one error naming the key), and
// the tokenizer identity check names the first key that differs.
#include <catch2/catch.hpp>

#include <fstream>

#include "hetspec/core/error.hpp"
#include "hetspec/model/draft_gguf.hpp"
#include "hetspec/model/gguf_inspect.hpp"
#include "hetspec/model/gguf_spec.hpp"
#include "hetspec/model/gguf_writer.hpp"
#include "hetspec/model/model_source.hpp"
#include "spec/spec_models.hpp"

using namespace hetspec;

TEST_CASE("a GGUF without token_embd is a borrowing draft; its spec pairs with the target's", "[model][draft]") {
  const auto& m = test::spec_models();
  GgufFile f = GgufFile::open(m.borrowing_subset);
  ModelSpec s = spec_from_gguf(f);
  CHECK(s.borrows_embedding);
  CHECK(s.head_rows == 136);
  CHECK(s.n_logits() == 136);
  CHECK(s.vocab == 272);
  CHECK_NOTHROW(validate_gguf_tensors(f, s));
  CHECK(read_head_token_ids(f, 272) == m.subset);
  const ModelSpec t = load_spec_from(m.target);
  const ModelSpec d = load_draft_spec_from(m.borrowing_subset, t);
  CHECK(d.embed_dtype == t.embed_dtype);
  CHECK(d.tied_embeddings == t.tied_embeddings);
  CHECK_NOTHROW(check_draft_target_pair(d, m.borrowing_subset, t, m.target));
  CHECK_THROWS_WITH(check_draft_target_pair(t, m.target, d, m.borrowing_subset),
                    Catch::StartsWith(m.borrowing_subset + ": token_embd.weight: missing"));
  const ModelSpec whole = load_spec_from(m.draft);
  CHECK_FALSE(whole.borrows_embedding);
  CHECK(whole.head_rows == 0);
  CHECK(whole.n_logits() == 272);
}

TEST_CASE("inspect shows a borrowing draft's head rows; its YAML reads back", "[model][draft]") {
  const auto& m = test::spec_models();
  GgufFile f = GgufFile::open(m.borrowing_subset);
  const std::string text = inspect_text(f);
  CHECK(text.find("# draft: borrows its target's token embedding and LM head") != std::string::npos);
  CHECK(text.find("# LM head rows: 136 of 272 tokens (hetspec.draft.head_token_ids)") != std::string::npos);
  CHECK(text.find("borrows_embedding: true\n") != std::string::npos);
  CHECK(text.find("head_rows: 136\n") != std::string::npos);
  CHECK(inspect_json(f).find("\"borrows_embedding\": true") != std::string::npos);
  test::TempDir dir;
  const std::string yaml = dir.file("draft.yaml", model_spec_yaml(spec_from_gguf(f)));
  ModelSpec back = load_model_spec(yaml);
  CHECK(back.borrows_embedding);
  CHECK(back.head_rows == 136);
  const ModelSpec paired = load_draft_spec_from(yaml, load_spec_from(m.target));
  CHECK(paired.embed_dtype == DType::Q8_0);
}

namespace {
// A file holding only the head ids key (read_head_token_ids needs nothing else).
GgufFile ids_file(const GgufOwnedValue& v) {
  GgufWriter w;
  w.set_string("general.architecture", "llama");
  w.set(kHeadTokenIdsKey, v);
  return GgufFile::from_bytes(w.to_bytes(), "d.gguf");
}
GgufOwnedValue i32s(std::vector<int64_t> xs) {
  std::vector<GgufOwnedValue> items;
  for (int64_t x : xs) items.push_back(GgufOwnedValue::scalar_i(GgufType::I32, x));
  return GgufOwnedValue::array(GgufType::I32, items);
}
}  // namespace

TEST_CASE("hetspec.draft.head_token_ids: int32 or uint32, unique, inside the vocabulary", "[model][draft][bad-input]") {
  CHECK(read_head_token_ids(ids_file(i32s({5, 3, 9})), 10) == std::vector<int32_t>{5, 3, 9});
  std::vector<GgufOwnedValue> u;
  for (uint64_t x : {7u, 0u}) u.push_back(GgufOwnedValue::scalar_u(GgufType::U32, x));
  CHECK(read_head_token_ids(ids_file(GgufOwnedValue::array(GgufType::U32, u)), 10) == std::vector<int32_t>{7, 0});
  const std::string key = "d.gguf: hetspec.draft.head_token_ids: ";
  CHECK_THROWS_WITH(read_head_token_ids(ids_file(i32s({1, 2, 1})), 10), key + "token id 1 is listed twice (element 2)");
  CHECK_THROWS_WITH(read_head_token_ids(ids_file(i32s({1, 10})), 10),
                    key + "element 1 is token id 10, outside the vocabulary [0, 10)");
  CHECK_THROWS_WITH(read_head_token_ids(ids_file(i32s({-1})), 10), Catch::StartsWith(key + "element 0 is token id -1"));
  CHECK_THROWS_WITH(read_head_token_ids(ids_file(i32s({})), 10), Catch::StartsWith(key + "is empty"));
  CHECK_THROWS_WITH(read_head_token_ids(ids_file(i32s({0, 1, 2})), 2), Catch::StartsWith(key + "lists 3 tokens"));
  CHECK_THROWS_WITH(read_head_token_ids(ids_file(GgufOwnedValue::array(GgufType::F32, {GgufOwnedValue::scalar_f(GgufType::F32, 1)})), 10),
                    key + "must be an array of int32 token ids, got an array of f32");
  CHECK_THROWS_WITH(read_head_token_ids(ids_file(GgufOwnedValue::scalar_i(GgufType::I32, 3)), 10),
                    key + "must be an array of int32 token ids, got a i32");
  CHECK(read_head_token_ids(ids_file(i32s({1})), 10).size() == 1);
  GgufWriter none;
  none.set_string("general.architecture", "llama");
  CHECK(read_head_token_ids(GgufFile::from_bytes(none.to_bytes(), "n.gguf"), 10).empty());
}

TEST_CASE("hetspec.draft.kind: token-only and feature-reading (eagle) drafts, bad kinds refused by name", "[model][draft][bad-input]") {
  const auto& m = test::spec_models();
  GgufFile draft = GgufFile::open(m.borrowing_subset);
  auto with_kind = [&](const GgufOwnedValue& v, const char* feature = nullptr) {
    GgufWriter w(draft.alignment());
    w.copy_metadata(draft);
    w.set(kDraftKindKey, v);
    if (feature) w.set_string(kDraftFeatureKey, feature);
    for (const auto& t : draft.tensors())
      w.add_tensor(t.name, t.ggml_type, t.dims, std::string(reinterpret_cast<const char*>(t.data), t.n_bytes));
    return GgufFile::from_bytes(w.to_bytes(), "k.gguf");
  };
  CHECK(spec_from_gguf(with_kind(GgufOwnedValue::string("tokens"))).head_rows == 136);
  CHECK_FALSE(spec_from_gguf(with_kind(GgufOwnedValue::string("tokens"))).reads_features);
  CHECK(spec_from_gguf(with_kind(GgufOwnedValue::string("eagle"), "target_head_input")).reads_features);
  CHECK_THROWS_WITH(spec_from_gguf(with_kind(GgufOwnedValue::string("eagle"))),
                    Catch::StartsWith("k.gguf: hetspec.draft.feature: missing: an \"eagle\" draft must say which feature it reads"));
  CHECK_THROWS_WITH(spec_from_gguf(with_kind(GgufOwnedValue::string("eagle"), "layer_12")),
                    Catch::StartsWith("k.gguf: hetspec.draft.feature: unknown feature \"layer_12\""));
  // Its fc tensor is required where the weights are checked.
  CHECK_THROWS_WITH(validate_gguf_tensors(with_kind(GgufOwnedValue::string("eagle"), "target_head_input"),
                                          spec_from_gguf(with_kind(GgufOwnedValue::string("eagle"), "target_head_input"))),
                    Catch::StartsWith("k.gguf: hetspec_fc.weight: missing tensor"));
  CHECK_THROWS_WITH(spec_from_gguf(with_kind(GgufOwnedValue::string("medusa"))),
                    "k.gguf: hetspec.draft.kind: unknown draft kind \"medusa\" (known: \"tokens\", \"eagle\")");
  CHECK_THROWS_WITH(spec_from_gguf(with_kind(GgufOwnedValue::scalar_i(GgufType::I32, 1))),
                    "k.gguf: hetspec.draft.kind: must be a string, got a i32");
}

TEST_CASE("the tokenizer identity check names the first key that differs", "[model][draft][bad-input]") {
  const auto& m = test::spec_models();
  GgufFile target = GgufFile::open(m.target);
  GgufFile draft = GgufFile::open(m.borrowing);
  CHECK_NOTHROW(check_same_tokenizer(draft, target));
  auto edited = [&](auto edit) {
    GgufWriter w;
    w.copy_metadata(draft);
    edit(w);
    return GgufFile::from_bytes(w.to_bytes(), "e.gguf");
  };
  CHECK_THROWS_WITH(check_same_tokenizer(edited([](GgufWriter& w) { w.set_string("tokenizer.ggml.pre", "llama3"); }), target),
                    "e.gguf: tokenizer.ggml.pre: differs from the target's (" + m.target +
                        "): a draft that borrows its target's embedding and LM head needs the identical tokenizer");
  CHECK_THROWS_WITH(check_same_tokenizer(edited([](GgufWriter& w) { w.remove("tokenizer.ggml.merges"); }), target),
                    Catch::StartsWith("e.gguf: tokenizer.ggml.merges: missing, the target (" + m.target + ") has it"));
  CHECK_THROWS_WITH(check_same_tokenizer(edited([](GgufWriter& w) { w.set_i32("tokenizer.ggml.bos_token_id", 3); }), target),
                    Catch::StartsWith("e.gguf: tokenizer.ggml.bos_token_id: differs"));
  // Ids compare by value whatever their integer type.
  const int64_t bos = target.get_i64("tokenizer.ggml.bos_token_id");
  CHECK_NOTHROW(check_same_tokenizer(edited([&](GgufWriter& w) { w.set_i64("tokenizer.ggml.bos_token_id", bos); }), target));
}

TEST_CASE("a file without token_embd but with its own output.weight is refused", "[model][draft][bad-input]") {
  const auto& m = test::spec_models();
  GgufFile src = GgufFile::open(m.target);
  GgufWriter w;
  w.copy_metadata(src);
  for (const auto& t : src.tensors())
    if (t.name != kTokenEmbdTensor)
      w.add_tensor(t.name, t.ggml_type, t.dims, std::string(reinterpret_cast<const char*>(t.data), t.n_bytes));
  w.add_tensor_f32(kOutputTensor, DType::F32, {64, 272}, std::vector<float>(64 * 272, 0.f));
  CHECK_THROWS_WITH(spec_from_gguf(GgufFile::from_bytes(w.to_bytes(), "o.gguf")),
                    Catch::StartsWith("o.gguf: token_embd.weight: missing tensor (a draft without a token embedding"));
}
