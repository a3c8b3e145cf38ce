// Feature-reading (EAGLE) drafts: the input projection fc is applied as written (fc = [I | 0] is the
// token-only draft; [0 | I] fed the embedding rows is too), the target hands out its head input,
// greedy speculative decoding with such a draft equals plain greedy in both modes, and the executor
// feeds every draft position the feature the protocol says (recording fakes): the target's feature of
// the position before where the target has run, the draft's own otherwise, and after each iteration
// the draft's cache holds only positions fed with the target's features.
#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "hetspec/core/error.hpp"
#include "hetspec/engine/runner/runner_factory.hpp"
#include "hetspec/spec/speculative.hpp"
#include "spec_models.hpp"
#include "support/borrowing_draft.hpp"

using namespace hetspec;

namespace {

constexpr int kD = 64;  // spec_test_spec's width

std::vector<float> random_fc(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> n(0.0f, 1.0f / std::sqrt(float(2 * kD)));
  std::vector<float> fc(size_t(kD) * 2 * kD);
  for (auto& x : fc) x = n(rng);
  return fc;
}

std::string eagle_file(const std::string& name, std::vector<float> fc, DType dtype = DType::F32) {
  static test::TempDir dir;
  const std::string path = dir / name;
  test::DraftCut c = test::draft_cut(2);
  c.fc = std::move(fc);
  c.fc_dtype = dtype;
  test::write_draft_cut(test::spec_models().draft, c, path);
  return path;
}

std::vector<float> copy_rows(const float* p, int rows, int64_t n) { return std::vector<float>(p, p + rows * n); }

}  // namespace

TEST_CASE("an eagle draft's fc is applied as written: [I | 0] and [0 | I] fed the embeddings are the token-only draft",
          "[spec][draft][eagle]") {
  const auto& m = test::spec_models();
  auto target = CpuModel::load(m.target, 1);
  auto tokens_only = CpuModel::load_draft(m.borrowing, *target, 1);
  auto embed_half = CpuModel::load_draft(eagle_file("e10.gguf", test::fc_identity(kD, 1, 0)), *target, 1);
  auto feature_half = CpuModel::load_draft(eagle_file("e01.gguf", test::fc_identity(kD, 0, 1)), *target, 1);
  CHECK(embed_half->spec().reads_features);
  CHECK_FALSE(tokens_only->spec().reads_features);
  CHECK(embed_half->spec().total_params() == tokens_only->spec().total_params() + 2 * kD * kD);

  const int32_t toks[5] = {1, 40, 41, 42, 7};
  const int64_t V = tokens_only->spec().n_logits();
  KvCache k0 = tokens_only->forward().make_cache(16), k1 = embed_half->forward().make_cache(16),
          k2 = feature_half->forward().make_cache(16);
  const auto want = copy_rows(tokens_only->forward().forward(toks, 5, 0, k0, 5), 5, V);
  std::vector<float> noise(5 * kD);
  std::mt19937 rng(3);
  std::normal_distribution<float> n01;
  for (auto& x : noise) x = n01(rng);
  CHECK(copy_rows(embed_half->forward().forward(toks, 5, 0, k1, 5, -1, noise.data()), 5, V) == want);
  std::vector<float> emb(5 * kD);
  tokens_only->forward().embed(toks, 5, emb.data());
  CHECK(copy_rows(feature_half->forward().forward(toks, 5, 0, k2, 5, -1, emb.data()), 5, V) == want);

  // It needs its features, and a token-only model refuses them.
  CHECK_THROWS_WITH(embed_half->forward().forward(toks, 1, 5, k1, 1), Catch::Contains("reads its target's features"));
  CHECK_THROWS_WITH(tokens_only->forward().forward(toks, 1, 5, k0, 1, -1, noise.data()),
                    Catch::Contains("features given to a model that reads only tokens"));
}

TEST_CASE("a target keeps its head input of every row for an eagle draft", "[spec][draft][eagle]") {
  const auto& m = test::spec_models();
  auto target = CpuModel::load(m.target, 1);
  DeviceRegistry reg;
  RunnerSpec rs;
  rs.capacity = 64;
  rs.plan = parse_device_plan("cpu", 3);
  auto t = make_runner(*target, rs, reg);
  const int32_t toks[4] = {1, 9, 8, 7};
  CHECK(t->features() == nullptr);
  t->keep_features(true);
  const auto logits = copy_rows(t->forward(toks, 4, 0, 4), 4, 272);
  const auto feats = copy_rows(t->features(), 4, kD);
  for (int i = 0; i < 4; ++i) {
    float rms = 0;
    for (int j = 0; j < kD; ++j) rms += feats[size_t(i * kD + j)] * feats[size_t(i * kD + j)];
    CHECK(std::sqrt(rms / kD) == Approx(1.0).epsilon(0.01));  // RMS-normed (output_norm = 1 in random models)
  }
  // The same rows again at one token each: the features do not depend on the batch beyond rounding.
  t->truncate(0);
  for (int i = 0; i < 4; ++i) {
    t->forward(toks + i, 1, i, 1);
    for (int j = 0; j < kD; ++j) CHECK(t->features()[j] == Approx(feats[size_t(i * kD + j)]).margin(2e-2));
  }
  CHECK(logits.size() == 4 * 272u);
}

TEST_CASE("greedy speculative decoding with an eagle draft equals plain greedy", "[spec][draft][eagle]") {
  const auto& m = test::spec_models();
  auto target = CpuModel::load(m.target, 1);
  auto eagle = CpuModel::load_draft(eagle_file("er.gguf", random_fc(5), DType::Q8_0), *target, 1);
  auto helped = CpuModel::load_draft(eagle_file("eh.gguf", test::fc_identity(kD, 0.3f, 1.0f)), *target, 1);
  DeviceRegistry reg;
  RunnerSpec rs;
  rs.capacity = 200;
  rs.batch_invariant = true;
  rs.plan = parse_device_plan("cpu", 3);
  auto t = make_runner(*target, rs, reg);
  rs.plan = parse_device_plan("cpu", 2);
  auto d1 = make_runner(*eagle, rs, reg);
  auto d2 = make_runner(*helped, rs, reg);
  SpecOptions plain;
  plain.max_new = 40;
  int accepted = 0;
  for (const auto& prompt : std::vector<std::vector<int32_t>>{{1, 40, 41, 42}, {1, 100, 7, 9, 200, 31}, {1, 250}}) {
    const auto want = run_request(nullptr, *t, prompt, plain).tokens;
    for (Runner* d : {d1.get(), d2.get()})
      for (Mode mode : {Mode::Sequential, Mode::Overlapped})
        for (int g : {1, 3, 6}) {
          SpecOptions o = plain;
          o.gamma = g;
          o.mode = mode;
          INFO("gamma " << g << " " << mode_name(mode));
          const RequestTrace tr = run_request(d, *t, prompt, o);
          CHECK(tr.tokens == want);
          for (const auto& it : tr.iters) accepted += it.accepted;
        }
  }
  CHECK(accepted > 0);
  // Plain requests on the same target runner afterwards are unaffected.
  CHECK(run_request(nullptr, *t, {1, 2, 3}, plain).tokens.size() == 40u);
}

namespace {

// A target over 16 tokens whose greedy next token after token x at position p is (3x + p) mod 16, and
// whose feature at position p is 1000 p + token in every element.
class FakeTarget final : public Runner {
 public:
  FakeTarget() {
    s_.vocab = 16;
    s_.d_model = 4;
    s_.n_layers = 1;
  }
  const ModelSpec& spec() const override { return s_; }
  int layers() const override { return 1; }
  int capacity() const override { return 512; }
  int length() const override { return len_; }
  const float* forward(const int32_t* tokens, int m, int pos0, int rows, const float* features) override {
    check_call(tokens, m, pos0, rows, features);
    len_ = pos0 + m;
    logits_.assign(size_t(rows) * 16, 0.0f);
    feats_.assign(size_t(m) * 4, 0.0f);
    for (int i = 0; i < m; ++i) {
      const int p = pos0 + i;
      for (int j = 0; j < 4; ++j) feats_[size_t(i * 4 + j)] = float(1000 * p + tokens[i]);
      if (i >= m - rows) logits_[size_t((i - (m - rows)) * 16 + (3 * tokens[i] + p) % 16)] = 1.0f;
    }
    return logits_.data();
  }
  void truncate(int n) override { len_ = std::min(len_, std::max(0, n)); }
  void keep_features(bool on) override { keep_ = on; }
  const float* features() const override { return keep_ ? feats_.data() : nullptr; }
  RunnerStats stats() const override { return {}; }
  std::string describe() const override { return "fake target"; }
  std::span<const int32_t> vocab_map() const override { return {}; }

 private:
  ModelSpec s_;
  int len_ = 0;
  bool keep_ = false;
  std::vector<float> logits_, feats_;
};

// An eagle draft that records what stands at each position of its cache (token, feature read), drafts
// the target's token except at every fifth position, and outputs -(1000 p + token) - 1 as its feature.
class RecordingDraft final : public Runner {
 public:
  struct Fed {
    int32_t token;
    float feature;
  };
  RecordingDraft() {
    s_.vocab = 16;
    s_.d_model = 4;
    s_.n_layers = 1;
    s_.reads_features = true;
  }
  const ModelSpec& spec() const override { return s_; }
  int layers() const override { return 1; }
  int capacity() const override { return 512; }
  int length() const override { return int(fed.size()); }
  const float* forward(const int32_t* tokens, int m, int pos0, int rows, const float* features) override {
    check_call(tokens, m, pos0, rows, features);
    fed.resize(size_t(pos0));
    logits_.assign(size_t(rows) * 16, 0.0f);
    feats_.assign(size_t(m) * 4, 0.0f);
    for (int i = 0; i < m; ++i) {
      const int p = pos0 + i;
      fed.push_back({tokens[i], features[size_t(i * 4)]});
      for (int j = 0; j < 4; ++j) feats_[size_t(i * 4 + j)] = -float(1000 * p + tokens[i]) - 1;
      const int next = (3 * tokens[i] + p + (p % 5 == 4 ? 1 : 0)) % 16;
      if (i >= m - rows) logits_[size_t((i - (m - rows)) * 16 + next)] = 1.0f;
    }
    forwards.push_back(m);
    return logits_.data();
  }
  void truncate(int n) override { fed.resize(std::min(fed.size(), size_t(std::max(0, n)))); }
  void keep_features(bool) override {}
  const float* features() const override { return feats_.data(); }
  RunnerStats stats() const override { return {}; }
  std::string describe() const override { return "recording draft"; }
  std::span<const int32_t> vocab_map() const override { return {}; }

  std::vector<Fed> fed;
  std::vector<int> forwards;  // tokens per forward

 private:
  ModelSpec s_;
  std::vector<float> logits_, feats_;
};

}  // namespace

TEST_CASE("the executor feeds an eagle draft the target's features and re-feeds what it guessed",
          "[spec][draft][eagle]") {
  FakeTarget t;
  const std::vector<int32_t> prompt = {1, 5, 9};
  SpecOptions plain;
  plain.max_new = 50;
  const auto want = run_request(nullptr, t, prompt, plain).tokens;
  for (int g : {1, 2, 4, 7}) {
    RecordingDraft d;
    SpecOptions o = plain;
    o.gamma = g;
    const RequestTrace tr = run_request(&d, t, prompt, o);
    INFO("gamma " << g);
    REQUIRE(tr.tokens == want);
    std::vector<int32_t> ctx = prompt;
    ctx.insert(ctx.end(), want.begin(), want.end());
    // After the request the draft holds only positions fed the target's feature of the position before.
    REQUIRE(!d.fed.empty());
    for (size_t p = 0; p < d.fed.size(); ++p) {
      INFO("position " << p);
      CHECK(d.fed[p].token == ctx[p]);
      CHECK(d.fed[p].feature == (p == 0 ? 0.0f : float(1000 * (p - 1) + ctx[p - 1])));
    }
    // The prefill is one forward of the prompt; an iteration that accepted k re-feeds k + 1 positions.
    CHECK(d.forwards.front() == int(prompt.size()));
    int refeeds = 0;
    for (size_t i = 1; i < d.forwards.size(); ++i) refeeds += d.forwards[i] > 1;
    int accepted_some = 0;
    for (const auto& it : tr.iters) accepted_some += it.accepted > 0;
    CHECK(refeeds >= accepted_some - 1);  // the last iteration's re-feed never comes
    CHECK(accepted_some > 0);
  }
}
