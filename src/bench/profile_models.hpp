// Internal to src/bench: the models a profile measures, opened once. A hetspec.model/1 YAML spec
// becomes a random-weight GGUF (model/random_model.hpp) in `cache_dir`, reused when already there.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "hetspec/engine/cpu_model.hpp"

namespace hetspec::bench {

std::string model_file_for(const std::string& arg, const std::string& cache_dir);  // makes it if needed
std::unique_ptr<CpuModel> open_profile_model(const std::string& arg, const std::string& cache_dir);

}  // namespace hetspec::bench
