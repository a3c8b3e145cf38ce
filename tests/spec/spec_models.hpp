// Small random-weight GGUF models for executor tests, written once per test run into a temp dir:
// a target and a differently seeded draft of the same shape and tokenizer (byte-level, 272 tokens),
// small enough that tens of thousands of speculative requests run in seconds.
#pragma once
#include <filesystem>
#include <string>

#include "hetspec/model/random_model.hpp"
#include "support/borrowing_draft.hpp"
#include "support/run_cli.hpp"

namespace hetspec::test {

inline ModelSpec spec_test_spec(int layers = 3) {
  ModelSpec s;
  s.name = "spec-test";
  s.arch = "llama";
  s.n_layers = layers;
  s.d_model = 64;
  s.n_heads = 4;
  s.n_kv_heads = 2;
  s.head_dim = 16;
  s.ffn_dim = 128;
  s.vocab = 272;
  s.context = 256;
  s.tied_embeddings = true;
  s.rope_theta = 10000;
  s.rms_eps = 1e-5;
  s.weight_dtype = DType::Q8_0;
  s.embed_dtype = DType::Q8_0;
  return s;
}

struct SpecModels {
  TempDir dir;
  std::string target, draft, other_vocab;
  // Drafts that borrow the target's embedding and head (hetspec draft v1): the draft's two layers,
  // with a head over the whole vocabulary / over `subset` (every other token, in no sorted order).
  std::string borrowing, borrowing_subset;
  std::vector<int32_t> subset;
  SpecModels() {
    target = dir / "target.gguf";
    draft = dir / "draft.gguf";
    other_vocab = dir / "other-vocab.gguf";
    borrowing = dir / "borrowing.gguf";
    borrowing_subset = dir / "borrowing-subset.gguf";
    make_random_model(spec_test_spec(3), 1, std::nullopt, target);
    make_random_model(spec_test_spec(2), 2, std::nullopt, draft);
    ModelSpec o = spec_test_spec(2);
    o.vocab = 288;
    make_random_model(o, 3, std::nullopt, other_vocab);
    write_draft_cut(draft, draft_cut(2), borrowing);
    for (int32_t k = 0; k < 136; ++k) subset.push_back(int32_t((k * 37 + 5) % 136) * 2 + (k % 5 == 0));
    write_draft_cut(draft, draft_cut(2, subset), borrowing_subset);
  }
};

inline const SpecModels& spec_models() {
  static SpecModels m;
  return m;
}

}  // namespace hetspec::test
