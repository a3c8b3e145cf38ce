// A ModelSpec from wherever the user has one: a configs/models YAML file or a GGUF model's header.
#pragma once
#include <string>

#include "hetspec/model/model_spec.hpp"

namespace hetspec {

// "*.gguf" (or any file starting with the GGUF magic) -> spec_from_gguf; otherwise hetspec.model/1 YAML.
ModelSpec load_spec_from(const std::string& path);

}  // namespace hetspec
