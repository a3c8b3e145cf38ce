#include <catch2/catch.hpp>

#include <cmath>

#include "gguf_test_util.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/core/yaml_reader.hpp"
#include "hetspec/model/gguf_file.hpp"
#include "hetspec/model/gguf_inspect.hpp"
#include "hetspec/model/gguf_spec.hpp"
#include "hetspec/model/random_model.hpp"

using namespace hetspec;

namespace {
ModelSpec tiny(const std::string& extra = "", const std::string& arch = "llama") {
  std::string y = "schema: hetspec.model/1\nname: tiny-" + arch + "\narch: " + arch +
                  "\nlayers: 2\nd_model: 64\nheads: 4\nkv_heads: 2\nffn: 96\nvocab: 300\ncontext: 512\n"
                  "rope_theta: 10000\nrms_eps: 1.0e-6\n" + extra;
  if (extra.find("tied_embeddings") == std::string::npos) y += "tied_embeddings: true\n";
  if (extra.find("weight_dtype") == std::string::npos) y += "weight_dtype: q8_0\nembed_dtype: f16\n";
  return parse_model_spec(YamlMap::from_string(y, "tiny.yaml"));
}

void check_same_architecture(const ModelSpec& a, const ModelSpec& b) {
  CHECK(a.arch == b.arch);
  CHECK(a.n_layers == b.n_layers);
  CHECK(a.d_model == b.d_model);
  CHECK(a.n_heads == b.n_heads);
  CHECK(a.n_kv_heads == b.n_kv_heads);
  CHECK(a.head_dim == b.head_dim);
  CHECK(a.ffn_dim == b.ffn_dim);
  CHECK(a.vocab == b.vocab);
  CHECK(a.context == b.context);
  CHECK(a.tied_embeddings == b.tied_embeddings);
  CHECK(a.qkv_bias == b.qkv_bias);
  CHECK(a.rope_theta == b.rope_theta);
  CHECK(a.rms_eps == b.rms_eps);
  CHECK(a.rope_scaling.factor == b.rope_scaling.factor);
  CHECK(a.rope_scaling.original_context == b.rope_scaling.original_context);
  CHECK(a.weight_dtype == b.weight_dtype);
  CHECK(a.embed_dtype == b.embed_dtype);
}

GgufFile load(const GgufWriter& w, const std::string& name = "x.gguf") { return GgufFile::from_bytes(w.to_bytes(), name); }
}  // namespace

TEST_CASE("a random llama model's GGUF yields its spec back and has every tensor", "[gguf]") {
  ModelSpec s = tiny();
  GgufFile f = load(random_model_writer(s, 5));
  ModelSpec r = spec_from_gguf(f);
  check_same_architecture(r, s);
  CHECK(r.name == "tiny-llama");
  CHECK_NOTHROW(validate_gguf_tensors(f, r));
  CHECK(f.find_tensor(kOutputTensor) == nullptr);
  CHECK(f.find_tensor(kRopeFreqsTensor) == nullptr);
  CHECK(f.get_u32("general.file_type") == 7);  // MOSTLY_Q8_0
  // Weights ~ N(0, 1/cols): check the embedding's spread and the norms.
  std::vector<float> e = f.tensor_f32(kTokenEmbdTensor);
  double ss = 0;
  for (float x : e) ss += double(x) * x;
  CHECK(std::sqrt(ss / e.size()) == Approx(1 / 8.0).epsilon(0.05));
  CHECK(f.tensor_f32("blk.1.ffn_norm.weight") == std::vector<float>(64, 1.f));
  CHECK(f.weight("blk.0.ffn_down.weight").dtype == DType::Q8_0);
  CHECK(f.weight("blk.0.ffn_down.weight").rows == 64);
  CHECK(f.weight("blk.0.ffn_down.weight").cols == 96);
  // Deterministic per seed.
  CHECK(random_model_writer(s, 5).to_bytes() == random_model_writer(s, 5).to_bytes());
  CHECK(random_model_writer(s, 5).to_bytes() != random_model_writer(s, 6).to_bytes());
}

TEST_CASE("qwen2 models get QKV biases; untied models an output matrix; --dtype overrides", "[gguf]") {
  ModelSpec s = tiny("tied_embeddings: false\n", "qwen2");
  CHECK(s.qkv_bias);
  GgufFile f = load(random_model_writer(s, 1, DType::Q4_1));
  ModelSpec r = spec_from_gguf(f);
  CHECK(r.qkv_bias);
  CHECK_FALSE(r.tied_embeddings);
  CHECK(r.weight_dtype == DType::Q4_1);
  CHECK(r.embed_dtype == DType::Q4_1);
  f.check_dims("blk.1.attn_k.bias", {32});
  f.check_dims(kOutputTensor, {64, 300});
  CHECK(f.get_string("tokenizer.ggml.pre") == "qwen2");
  CHECK_NOTHROW(validate_gguf_tensors(f, r));
  CHECK_THROWS_WITH(random_model_writer(tiny(), 1, DType::Q6_K), Catch::Contains("cannot write q6_k weights"));
}

TEST_CASE("llama3 rope scaling is written as rope_freqs and read back", "[gguf]") {
  ModelSpec s = tiny("rope_scaling: {factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_context: 64}\n");
  std::vector<float> fac = llama3_rope_factors(s);
  REQUIRE(fac.size() == 8);  // head_dim 16
  CHECK(fac.front() == 1.f);
  CHECK(fac.back() == 32.f);
  GgufFile f = load(random_model_writer(s, 2));
  CHECK(f.tensor_f32(kRopeFreqsTensor) == fac);
  ModelSpec r = spec_from_gguf(f);
  CHECK(r.rope_scaling.factor == 32);
  CHECK(r.rope_scaling.original_context == 64);
}

TEST_CASE("the test tokenizer is a byte-level vocabulary of exactly the spec's size", "[gguf]") {
  GgufFile f = load(random_model_writer(tiny(), 1));
  const auto& tok = f.get_string_array("tokenizer.ggml.tokens");
  REQUIRE(tok.size() == 300);
  CHECK(tok[0] == "<|endoftext|>");
  CHECK(tok[3 + 'A'] == "A");
  CHECK(tok[3 + ' '] == "Ġ");
  CHECK(tok[3 + '\n'] == "Ċ");
  CHECK(tok[3 + 255] == "ÿ");
  CHECK(tok.back() == "<unused_30>");  // 3 specials + 256 bytes + 10 merges + 31 unused
  CHECK(f.array_size("tokenizer.ggml.merges") == 10);
  CHECK(f.get_string_array("tokenizer.ggml.merges")[0] == "Ġ t");
  CHECK(f.get_i32_array("tokenizer.ggml.token_type").size() == 300);
  CHECK(f.get_u32("tokenizer.ggml.eos_token_id") == 2);
  GgufWriter w;
  CHECK_THROWS_WITH(add_byte_level_tokenizer(w, 258, "smollm"), "vocab: must be at least 259 for the byte-level test tokenizer, got 258");
}

TEST_CASE("the spec printed by inspect reads back as a model config", "[gguf]") {
  for (const ModelSpec& s : {tiny(), tiny("tied_embeddings: false\n", "qwen2"),
                             tiny("rope_scaling: {factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_context: 64}\n")}) {
    ModelSpec back = parse_model_spec(YamlMap::from_string(model_spec_yaml(s), "printed.yaml"));
    check_same_architecture(back, s);
    GgufFile f = load(random_model_writer(s, 3));
    std::string text = inspect_text(f);
    ModelSpec from_text = parse_model_spec(YamlMap::from_string(text, "inspect.yaml"));  // the whole output is YAML
    check_same_architecture(from_text, spec_from_gguf(f));
    CHECK(text.find("# blk.1.ffn_down.weight") != std::string::npos);
  }
}

TEST_CASE("bad model metadata and tensors name the file and the key or tensor", "[gguf]") {
  ModelSpec s = tiny();
  GgufWriter w = random_model_writer(s, 1);
  w.remove("llama.block_count");
  CHECK_THROWS_WITH(spec_from_gguf(load(w)), "x.gguf: llama.block_count: missing metadata key");
  w = random_model_writer(s, 1);
  w.set_string("llama.block_count", "two");
  CHECK_THROWS_WITH(spec_from_gguf(load(w)), "x.gguf: llama.block_count: expected an integer, got string");
  w.set_i32("llama.block_count", -2);
  CHECK_THROWS_WITH(spec_from_gguf(load(w)), "x.gguf: llama.block_count: must be a positive integer below 2^30, got -2");
  w = random_model_writer(s, 1);
  w.set_string("general.architecture", "gpt-neox");
  CHECK_THROWS_WITH(spec_from_gguf(load(w)), "x.gguf: general.architecture: unknown architecture 'gpt-neox' (supported: llama, qwen2)");
  w.remove("general.architecture");
  CHECK_THROWS_WITH(spec_from_gguf(load(w)), "x.gguf: general.architecture: missing metadata key");
  w = random_model_writer(s, 1);
  w.set_u32("llama.attention.head_count_kv", 3);
  CHECK_THROWS_WITH(spec_from_gguf(load(w)), "x.gguf: llama.attention.head_count_kv: 3 KV heads do not divide 4 attention heads");
  w = random_model_writer(s, 1);
  w.set_u32("llama.rope.dimension_count", 8);
  CHECK_THROWS_WITH(spec_from_gguf(load(w)), Catch::StartsWith("x.gguf: llama.rope.dimension_count: partial rotary"));
  w = random_model_writer(s, 1);
  w.set_string("llama.rope.scaling.type", "yarn");
  w.set_f32("llama.rope.scaling.factor", 4);
  CHECK_THROWS_WITH(spec_from_gguf(load(w)), "x.gguf: llama.rope.scaling.type: unsupported rope scaling 'yarn' (factor 4.000000)");

  GgufFile f = load(random_model_writer(s, 1));
  ModelSpec more = s;
  more.n_layers = 3;
  CHECK_THROWS_WITH(validate_gguf_tensors(f, more), "x.gguf: llama.block_count: 3 layers, but the file has tensors of 2 (blk.0 .. blk.1)");
  w = random_model_writer(s, 1);
  w.remove_tensor("blk.1.attn_norm.weight");
  CHECK_THROWS_WITH(validate_gguf_tensors(load(w), s), "x.gguf: blk.1.attn_norm.weight: missing tensor (required by llama with 2 layers)");
  ModelSpec wider = s;
  wider.ffn_dim = 128;
  CHECK_THROWS_WITH(validate_gguf_tensors(f, wider), "x.gguf: blk.0.ffn_gate.weight: has shape [64, 96], expected [64, 128]");
  ModelSpec untied = s;
  untied.tied_embeddings = false;
  CHECK_THROWS_WITH(validate_gguf_tensors(f, untied), "x.gguf: output.weight: missing tensor (required by llama with 2 layers)");
  ModelSpec biased = s;
  biased.qkv_bias = true;
  CHECK_THROWS_WITH(validate_gguf_tensors(f, biased), "x.gguf: blk.0.attn_q.bias: missing tensor (required by llama with 2 layers)");
}

TEST_CASE("tensor types without a hetspec dtype are sized by the nearest one; inspect says so", "[gguf]") {
  CHECK(cost_dtype_for_ggml(6) == DType::Q5_K);   // Q5_0: 5.5 bits, like Q5_K
  CHECK(cost_dtype_for_ggml(14) == DType::Q6_K);  // ours
  CHECK(cost_dtype_for_ggml(20) == DType::Q4_0);  // IQ4_NL: same block as Q4_0
  ModelSpec s = tiny();
  GgufWriter w = random_model_writer(s, 1);
  CHECK(w.remove_tensor(kTokenEmbdTensor));
  CHECK_FALSE(w.remove_tensor(kTokenEmbdTensor));
  w.add_tensor(kTokenEmbdTensor, 6 /* Q5_0 */, {64, 300}, std::string(300 * 2 * 22, '\0'));
  GgufFile f = load(w);
  ModelSpec r = spec_from_gguf(f);
  CHECK(r.embed_dtype == DType::Q5_K);
  CHECK(r.weight_dtype == DType::Q8_0);
  std::string text = inspect_text(f);
  CHECK(text.find("# note: tensor types without CPU kernels in hetspec (generate cannot run this file yet): Q5_0 (sized as q5_k)") !=
        std::string::npos);
  CHECK_THROWS_WITH(f.weight(kTokenEmbdTensor), "x.gguf: token_embd.weight: unsupported tensor type Q5_0 in tensor token_embd.weight");
}

TEST_CASE("model_spec_yaml quotes the source path", "[gguf]") {
  ModelSpec s = tiny();
  s.source = "/tmp/a \"b\" \\c: d.gguf";
  ModelSpec back = parse_model_spec(YamlMap::from_string(model_spec_yaml(s), "printed.yaml"));
  CHECK(back.source == s.source);
  CHECK(back.name == s.name);
}
