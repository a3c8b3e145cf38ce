// Tokenizer throughput on SmolLM2-135M-Instruct's vocabulary: encode and decode of the reference
// text set (tests/fixtures/smollm2_tokenizer.json) repeated to ~100 KB, per pre-tokenizer family.
// Needs the model ($HETSPEC_MODEL or ~/.cache/hetspec/models/...). Indicative only (shared cores):
//   ./build/bench_tokenizer --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "hetspec/model/gguf_file.hpp"
#include "hetspec/model/tokenizer_gguf.hpp"

using namespace hetspec;

namespace {

std::string model_path() {
  if (const char* p = std::getenv("HETSPEC_MODEL"); p && *p) return p;
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "") + "/.cache/hetspec/models/SmolLM2-135M-Instruct.Q4_1.gguf";
}

std::string corpus() {
  std::ifstream f(std::string(HETSPEC_SOURCE_DIR) + "/tests/fixtures/smollm2_tokenizer.json");
  const auto fx = nlohmann::json::parse(f);
  std::string one;
  for (const auto& c : fx["cases"]) one += c["text"].get<std::string>() + "\n";
  std::string all;
  while (all.size() < 100000) all += one;
  return all;
}

void bench_encode(benchmark::State& st, const std::string& pre) {
  TokenizerData d = tokenizer_data_from_gguf(GgufFile::open(model_path()));
  d.pre = pre;
  const Tokenizer tok(d);
  const std::string text = corpus();
  size_t n = 0;
  for (auto _ : st) {
    auto ids = tok.encode(text, false, true);
    n = ids.size();
    benchmark::DoNotOptimize(ids.data());
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(text.size()));
  st.counters["tokens"] = double(n);
}

void bench_decode(benchmark::State& st) {
  const Tokenizer tok = tokenizer_from_gguf(GgufFile::open(model_path()));
  const std::string text = corpus();
  const auto ids = tok.encode(text, false, true);
  for (auto _ : st) {
    std::string s = tok.decode(ids);
    benchmark::DoNotOptimize(s.data());
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(text.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (!std::filesystem::exists(model_path())) {
    std::cerr << "bench_tokenizer: model not found at " << model_path() << " (run scripts/fetch-models.sh)\n";
    return 1;
  }
  for (const char* pre : {"smollm", "llama-bpe", "qwen2"})
    benchmark::RegisterBenchmark((std::string("encode/") + pre).c_str(), bench_encode, std::string(pre))
        ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("decode/smollm", bench_decode)->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
