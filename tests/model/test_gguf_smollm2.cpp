// The real SmolLM2-135M-Instruct Q4_1 file, and the `inspect` / `make-model` commands end to end.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../support/paths.hpp"
#include "gguf_test_util.hpp"
#include "hetspec/core/atomic_write.hpp"
#include "hetspec/core/yaml_reader.hpp"
#include "hetspec/model/gguf_file.hpp"
#include "hetspec/model/gguf_spec.hpp"

using namespace hetspec;

namespace {
long rss_kib() {
  std::ifstream s("/proc/self/statm");
  long size = 0, resident = 0;
  s >> size >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

struct Run {
  int rc;
  std::string out, err;
};
Run run_cli(const std::string& args, const test::TempDir& dir) {
  std::string out = dir.file("stdout.txt"), err = dir.file("stderr.txt");
  int st = std::system((std::string(HETSPEC_BINARY) + " " + args + " >" + out + " 2>" + err).c_str());
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, read_file(out), read_file(err)};
}
}  // namespace

TEST_CASE("SmolLM2-135M-Instruct Q4_1 parses to its published architecture", "[gguf][smollm2]") {
  std::string path = test::smollm2_path();
  if (path.empty()) FAIL("SmolLM2 model missing: run scripts/fetch-models.sh (or set HETSPEC_MODEL)");
  long before = rss_kib();
  GgufFile f = GgufFile::open(path);
  long grown = rss_kib() - before;
  CHECK(grown < 20 * 1024);  // mapped, not read: the 94 MB of weights stay on disk until used
  ModelSpec got = spec_from_gguf(f);
  ModelSpec published = load_model_spec(test::source_path("configs/models/smollm2-135m.yaml"));
  CHECK(got.arch == "llama");
  CHECK(got.n_layers == published.n_layers);
  CHECK(got.d_model == published.d_model);
  CHECK(got.n_heads == published.n_heads);
  CHECK(got.n_kv_heads == published.n_kv_heads);
  CHECK(got.head_dim == published.head_dim);
  CHECK(got.ffn_dim == published.ffn_dim);
  CHECK(got.vocab == published.vocab);
  CHECK(got.context == published.context);
  CHECK(got.tied_embeddings == published.tied_embeddings);
  CHECK(got.qkv_bias == published.qkv_bias);
  CHECK(got.rope_theta == published.rope_theta);
  CHECK(got.rms_eps == published.rms_eps);
  CHECK(got.weight_dtype == published.weight_dtype);
  CHECK(got.embed_dtype == published.embed_dtype);
  CHECK(got.total_params() == published.total_params());
  CHECK_NOTHROW(validate_gguf_tensors(f, got));

  CHECK(f.version() == 3);
  CHECK(f.tensors().size() == 2 + 9 * 30);  // embedding, output norm, 9 per layer
  uint64_t bytes = 0;
  for (const auto& t : f.tensors()) bytes += t.n_bytes;
  CHECK(bytes <= f.file_size() - f.data_offset());
  CHECK(f.get_string("tokenizer.ggml.model") == "gpt2");
  CHECK(f.get_string("tokenizer.ggml.pre") == "smollm");
  CHECK(f.get_string_array("tokenizer.ggml.tokens").size() == 49152);
  CHECK(f.get_string_array("tokenizer.ggml.tokens")[1] == "<|im_start|>");
  CHECK(f.get_u32("tokenizer.ggml.bos_token_id") == 1);
  CHECK(f.get_u32("tokenizer.ggml.eos_token_id") == 2);
  WeightView q = f.weight("blk.0.attn_q.weight");
  CHECK(q.dtype == DType::Q4_1);
  CHECK(q.rows == 576);
  CHECK(q.cols == 576);
  WeightView e = f.weight(kTokenEmbdTensor);
  CHECK(e.dtype == DType::Q8_0);
  CHECK(e.rows == 49152);
  std::vector<float> norm = f.tensor_f32("blk.29.ffn_norm.weight");
  double sum = 0;
  for (float x : norm) sum += std::fabs(x);
  CHECK(std::isfinite(sum));
  CHECK(sum > 0);
}

TEST_CASE("hetspec inspect: a bad file exits 2 with one line; a good one prints a loadable spec", "[gguf]") {
  test::TempDir dir;
  std::string bad = dir.file("bad.gguf");
  write_file_atomic(bad, std::string("GGUF\x03\x00\x00\x00 truncated", 18));
  Run r = run_cli("inspect " + bad, dir);
  CHECK(r.rc == 2);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("hetspec: error: " + bad + ": header: truncated file", 0) == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  r = run_cli("inspect " + dir.file("none.gguf"), dir);
  CHECK(r.rc == 2);

  std::string spec = dir.file("tiny.yaml");
  write_file_atomic(spec,
                    "schema: hetspec.model/1\nname: tiny\narch: qwen2\nlayers: 2\nd_model: 64\nheads: 4\nkv_heads: 2\nffn: 96\n"
                    "vocab: 300\ncontext: 512\ntied_embeddings: false\nrope_theta: 1000000\nrms_eps: 1.0e-6\nweight_dtype: q4_0\n");
  std::string model = dir.file("tiny.gguf");
  r = run_cli("make-model --spec " + spec + " --seed 3 --out " + model + " --dtype q4_1", dir);
  REQUIRE(r.rc == 0);
  r = run_cli("inspect " + model, dir);
  REQUIRE(r.rc == 0);
  ModelSpec printed = parse_model_spec(YamlMap::from_string(r.out, "inspect-output.yaml"));
  ModelSpec original = load_model_spec(spec);
  CHECK(printed.arch == "qwen2");
  CHECK(printed.ffn_dim == original.ffn_dim);
  CHECK(printed.rope_theta == original.rope_theta);
  CHECK(printed.weight_dtype == DType::Q4_1);
  r = run_cli("inspect --json " + model, dir);
  REQUIRE(r.rc == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["spec"]["vocab"] == 300);
  CHECK(j["tensors"].size() == 1 + 2 * 12 + 2);
  CHECK(j["totals"]["Q4_1"]["tensors"] == 2 * 7 + 2);
  CHECK(j["tokenizer"]["model"] == "gpt2");
  r = run_cli("make-model --spec " + spec + " --out " + model + " --dtype q6_k", dir);
  CHECK(r.rc == 2);
  CHECK(r.err.find("cannot write q6_k weights") != std::string::npos);
}
