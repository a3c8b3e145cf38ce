// Issue 10: GGUF metadata values are checked, not trusted. Non-finite or out-of-range numbers, a
// block_count that disagrees with the blk.N tensors, tensor shapes sweep/predict used to skip, a
// non-GGUF file given as a model, an unknown-token id outside the vocabulary: each is one line
// "hetspec: error: <file>: <key or tensor>: <what>", exit 2, nothing written.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>

#include "hetspec/model/random_model.hpp"
#include "spec/spec_models.hpp"
#include "support/bad_input.hpp"
#include "support/paths.hpp"
#include "support/run_cli.hpp"

using namespace hetspec;
using namespace hetspec::test;

namespace {
const std::string kSoc = source_path("configs/socs/nxp-imx95.yaml");

// The 3-layer test model with one edit, written to `dir/name`.
std::string model_with(const TempDir& dir, const std::string& name, const std::function<void(GgufWriter&)>& edit) {
  GgufWriter w = random_model_writer(spec_test_spec(3), 1);
  edit(w);
  const std::string p = dir / name;
  w.write(p);
  return p;
}

// sweep with `target` (a good draft beside it) fails with the contract and `msg`.
void sweep_fails(const TempDir& t, const std::string& target, const std::string& msg) {
  const std::string good = model_with(t, "good.gguf", [](GgufWriter&) {});
  const std::string out = t / "out";
  check_one_line_error(run_cli("sweep --soc " + kSoc + " --target " + target + " --draft " + good + " --max-gamma 2 --out " + out), msg, out);
}

// A tensor of the right type and byte size for `dims`, replacing the one of that name.
void replace_f32(GgufWriter& w, const std::string& name, std::vector<int64_t> dims) {
  w.remove_tensor(name);
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  w.add_tensor_f32(name, DType::F32, std::move(dims), std::vector<float>(size_t(n), 0.5f));
}
}  // namespace

TEST_CASE("GGUF: a good test model sweeps (control for the cases below)", "[cli][gguf][hardening]") {
  TempDir t;
  const std::string good = model_with(t, "m.gguf", [](GgufWriter&) {});
  CliResult r = run_cli("sweep --soc " + kSoc + " --target " + good + " --draft " + good + " --max-gamma 2 --out " + (t / "out"));
  INFO(r.err);
  CHECK(r.code == 0);
}

TEST_CASE("GGUF: non-finite or out-of-range numeric metadata is an error naming the key", "[cli][gguf][bad-input][hardening]") {
  TempDir t;
  struct Case {
    const char* key;
    std::function<void(GgufWriter&)> edit;
    const char* what;
  };
  auto llama3 = [](GgufWriter& w) {
    w.set_string("llama.rope.scaling.type", "llama3");
    w.set_f32("llama.rope.scaling.factor", 8.f);
  };
  const std::vector<Case> cases = {
      {"llama.rope.freq_base", [](GgufWriter& w) { w.set_f32("llama.rope.freq_base", INFINITY); }, "must be a finite positive number"},
      {"llama.rope.freq_base", [](GgufWriter& w) { w.set_f32("llama.rope.freq_base", NAN); }, "must be a finite positive number"},
      {"llama.rope.freq_base", [](GgufWriter& w) { w.set_f64("llama.rope.freq_base", -1e300); }, "must be a finite positive number"},
      {"llama.attention.layer_norm_rms_epsilon",
       [](GgufWriter& w) { w.set_f32("llama.attention.layer_norm_rms_epsilon", INFINITY); }, "must be a finite positive number"},
      {"llama.rope.scaling.factor",
       [&](GgufWriter& w) { llama3(w), w.set_f32("llama.rope.scaling.factor", NAN); }, "must be a finite positive number"},
      {"llama.rope.scaling.low_freq_factor",
       [&](GgufWriter& w) { llama3(w), w.set_f32("llama.rope.scaling.low_freq_factor", NAN); }, "must be a finite positive number"},
      {"llama.rope.scaling.high_freq_factor",
       [&](GgufWriter& w) { llama3(w), w.set_f64("llama.rope.scaling.high_freq_factor", INFINITY); }, "must be a finite positive number"},
      {"llama.rope.scaling.original_context_length",
       [&](GgufWriter& w) { llama3(w), w.set_u64("llama.rope.scaling.original_context_length", 1ull << 40); },
       "must be a positive integer below 2^30, got 1099511627776"},
      {"llama.context_length", [](GgufWriter& w) { w.set_u64("llama.context_length", 1ull << 40); }, "must be a positive integer below 2^30"},
      {"llama.block_count", [](GgufWriter& w) { w.set_u32("llama.block_count", 2); }, "2 layers, but the file has tensors of 3 (blk.0 .. blk.2)"},
      {"llama.block_count", [](GgufWriter& w) { w.set_u32("llama.block_count", 4); }, "4 layers, but the file has tensors of 3"},
      {"blk.1.ffn_up.weight", [](GgufWriter& w) { replace_f32(w, "blk.1.ffn_up.weight", {64, 64}); }, "has shape [64, 64], expected [64, 128]"},
      {"blk.0.attn_norm.weight", [](GgufWriter& w) { replace_f32(w, "blk.0.attn_norm.weight", {32}); }, "has shape [32], expected [64]"},
      {"blk.x.ffn_up.weight", [](GgufWriter& w) { replace_f32(w, "blk.x.ffn_up.weight", {64}); }, "not a layer tensor name"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const std::string f = model_with(t, "bad" + std::to_string(i) + ".gguf", c.edit);
    INFO("case " << i << ": " << c.key);
    sweep_fails(t, f, f + ": " + c.key + ": " + c.what);
  }
}

TEST_CASE("GGUF: predict validates tensor shapes as inspect does", "[cli][gguf][bad-input][hardening]") {
  TempDir t;
  const std::string f = model_with(t, "bad.gguf", [](GgufWriter& w) { replace_f32(w, "blk.2.attn_k.weight", {64, 16}); });
  const std::string plan = t.file("plan.yaml", "schema: hetspec.plan/1\ngamma: 2\nmode: sequential\ntarget: {pu: cpu}\ndraft: {pu: cpu}\n");
  const std::string msg = f + ": blk.2.attn_k.weight: has shape [64, 16], expected [64, 32]";
  check_one_line_error(run_cli("inspect " + f), msg);
  check_one_line_error(run_cli("predict --soc " + kSoc + " --target " + f + " --draft " + f + " --plan " + plan), msg);
  check_one_line_error(run_cli("predict --soc " + kSoc + " --target " + f + " --draft self:1 --plan " + plan), msg);
}

TEST_CASE("GGUF: a file that is not GGUF given as a model gets a GGUF error, not a YAML one", "[cli][gguf][bad-input][hardening]") {
  TempDir t;
  const std::string bin = t.file("model.bin", std::string("\x7F" "ELF\x02\x01\x01\0\0\0junk", 14));
  sweep_fails(t, bin, bin + ": header: not a GGUF file (magic '?ELF', expected 'GGUF')");
  const std::string text = t.file("model.gguf", "name: \"\\q not yaml either\"\n");
  sweep_fails(t, text, text + ": header: not a GGUF file (magic 'name', expected 'GGUF')");
  const std::string tiny = t.file("tiny.gguf", "GG");
  sweep_fails(t, tiny, tiny + ": ");
  // a YAML spec still works wherever a model is taken
  CliResult r = run_cli("sweep --soc " + kSoc + " --target " + source_path("configs/models/llama-3.2-3b.yaml") + " --draft " +
                        source_path("configs/models/llama-3.2-1b.yaml") + " --max-gamma 1");
  CHECK(r.code == 0);
}

TEST_CASE("GGUF: an unknown-token id outside the vocabulary names file and key", "[cli][gguf][tokenizer][bad-input][hardening]") {
  TempDir t;
  const std::string f = model_with(t, "unk.gguf", [](GgufWriter& w) { w.set_u32("tokenizer.ggml.unknown_token_id", 99999); });
  check_one_line_error(run_cli("tokenize " + f + " hello"),
                       f + ": tokenizer.ggml.unknown_token_id: token id 99999 out of range (vocabulary 272)");
  check_one_line_error(run_cli("generate --model " + f + " --prompt hi --n 2"), f + ": tokenizer.ggml.unknown_token_id: token id 99999");
}
