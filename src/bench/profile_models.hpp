// Internal to src/bench: the models a profile measures, opened once. A hetspec.model/1 YAML spec
// becomes a random-weight GGUF (model/random_model.hpp) in `cache_dir`, reused when already there.
// A draft without an embedding of its own borrows its target's: the whole model listed before it.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "hetspec/engine/cpu_model.hpp"

namespace hetspec::bench {

std::string model_file_for(const std::string& arg, const std::string& cache_dir);  // makes it if needed
// A draft that borrows its target's embedding and head (model/draft_gguf.hpp) borrows from `target`.
std::unique_ptr<CpuModel> open_profile_model(const std::string& arg, const std::string& cache_dir, const CpuModel* target);
// --models in order; a borrowing draft reads the last whole model listed before it. The vector's
// order is the lifetime order to keep (a draft's views point into an earlier model's mapping).
std::vector<std::unique_ptr<CpuModel>> open_profile_models(const std::vector<std::string>& args, const std::string& cache_dir);

}  // namespace hetspec::bench
