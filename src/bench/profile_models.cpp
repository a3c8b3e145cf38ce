#include <filesystem>
#include <fstream>

#include "hetspec/core/error.hpp"
#include "hetspec/core/input_file.hpp"
#include "hetspec/model/gguf_spec.hpp"
#include "hetspec/model/model_source.hpp"
#include "hetspec/model/random_model.hpp"
#include "profile_models.hpp"

namespace hetspec::bench {

namespace {
bool is_gguf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in && std::string(magic, 4) == "GGUF";
}
}  // namespace

std::string model_file_for(const std::string& arg, const std::string& cache_dir) {
  check_regular_file(arg);
  if (is_gguf(arg)) return arg;
  ModelSpec s = load_spec_from(arg);  // a model spec YAML (throws naming file and key)
  std::filesystem::create_directories(cache_dir);
  std::string out = cache_dir + "/" + s.name + "-" + dtype_name(s.weight_dtype) + "-seed1.gguf";
  if (!std::filesystem::exists(out)) make_random_model(s, 1, std::nullopt, out);
  return out;
}

std::unique_ptr<CpuModel> open_profile_model(const std::string& arg, const std::string& cache_dir, const CpuModel* target) {
  const std::string file = model_file_for(arg, cache_dir);
  if (!spec_from_gguf(GgufFile::open(file)).borrows_embedding) return CpuModel::load(file, 1);
  if (!target)
    throw Error(file + ": " + kTokenEmbdTensor, "missing: this draft borrows its target's token embedding and LM head; "
                                                "list its target before it in --models");
  return CpuModel::load_draft(file, *target, 1);
}

std::vector<std::unique_ptr<CpuModel>> open_profile_models(const std::vector<std::string>& args, const std::string& cache_dir) {
  std::vector<std::unique_ptr<CpuModel>> out;
  const CpuModel* whole = nullptr;  // the last model with its own embedding: what a borrowing draft after it reads
  for (const auto& a : args) {
    out.push_back(open_profile_model(a, cache_dir, whole));
    if (!out.back()->spec().borrows_embedding) whole = out.back().get();
  }
  return out;
}

}  // namespace hetspec::bench
