#include <catch2/catch.hpp>

#include <filesystem>

#include "hetspec/core/error.hpp"
#include "hetspec/core/yaml_reader.hpp"
#include "hetspec/model/model_spec.hpp"

using namespace hetspec;

TEST_CASE("every bundled model config loads with its published numbers", "[model]") {
  int n = 0;
  for (auto& e : std::filesystem::directory_iterator(HETSPEC_SOURCE_DIR "/configs/models")) {
    ModelSpec m = load_model_spec(e.path().string());
    CHECK(m.d_model > 0);
    ++n;
  }
  CHECK(n >= 8);
  ModelSpec l3 = load_model_spec(HETSPEC_SOURCE_DIR "/configs/models/llama-3.2-3b.yaml");
  // Llama-3.2-3B: 3.21e9 parameters with tied embeddings (published figure).
  CHECK(l3.total_params() == Approx(3.2128e9).epsilon(0.005));
  ModelSpec l1 = load_model_spec(HETSPEC_SOURCE_DIR "/configs/models/llama-3.2-1b.yaml");
  CHECK(l1.total_params() == Approx(1.2358e9).epsilon(0.005));
  ModelSpec s = load_model_spec(HETSPEC_SOURCE_DIR "/configs/models/smollm2-135m.yaml");
  CHECK(s.total_params() == Approx(134.5e6).epsilon(0.01));
}

TEST_CASE("bad model configs get one clear line naming file and key", "[model]") {
  const std::string base =
      "schema: hetspec.model/1\nname: x\nlayers: 2\nd_model: 64\nheads: 4\nkv_heads: 2\nffn: 128\nvocab: 100\n"
      "context: 256\ntied_embeddings: true\nrope_theta: 10000\n";
  CHECK_NOTHROW(parse_model_spec(YamlMap::from_string(base, "m.yaml")));
  CHECK_THROWS_WITH(parse_model_spec(YamlMap::from_string(base + "bogus: 1\n", "m.yaml")), "m.yaml: bogus: unknown key");
  CHECK_THROWS_WITH(parse_model_spec(YamlMap::from_string(base + "weight_dtype: q3_x\n", "m.yaml")),
                    Catch::StartsWith("m.yaml: weight_dtype: unknown dtype 'q3_x'"));
  std::string zero = base;
  zero.replace(zero.find("layers: 2"), 9, "layers: 0");
  CHECK_THROWS_WITH(parse_model_spec(YamlMap::from_string(zero, "m.yaml")), "m.yaml: layers: must be a positive integer, got 0");
  std::string heads = base;
  heads.replace(heads.find("heads: 4"), 8, "heads: 5");
  CHECK_THROWS_WITH(parse_model_spec(YamlMap::from_string(heads, "m.yaml")), Catch::Contains("must divide d_model"));
  std::string kv = base;
  kv.replace(kv.find("kv_heads: 2"), 11, "kv_heads: 3");
  CHECK_THROWS_WITH(parse_model_spec(YamlMap::from_string(kv, "m.yaml")), Catch::StartsWith("m.yaml: kv_heads:"));
  std::string missing = base;
  missing.replace(missing.find("vocab: 100\n"), 11, "");
  CHECK_THROWS_WITH(parse_model_spec(YamlMap::from_string(missing, "m.yaml")), "m.yaml: vocab: missing required key");
}
