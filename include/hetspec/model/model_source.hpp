// A ModelSpec from wherever the user has one: a configs/models YAML file or a GGUF model's header.
#pragma once
#include <string>

#include "hetspec/model/model_spec.hpp"

namespace hetspec {

// "*.gguf" (or any file starting with the GGUF magic) -> spec_from_gguf; otherwise hetspec.model/1 YAML.
ModelSpec load_spec_from(const std::string& path);

// A draft argument: a model file (as load_spec_from), or "self:K" = the target's first K layers with
// its final norm and head (an early-exit self-draft sharing the target's weights). K in 1..n_layers-1.
// A draft that borrows its target's embedding and head (model/draft_gguf.hpp) gets the target's
// embedding dtype and tying.
bool is_self_draft(const std::string& arg);
ModelSpec load_draft_spec_from(const std::string& arg, const ModelSpec& target);
int self_draft_layers(const std::string& arg, const ModelSpec& target);  // K, checked (Error names --draft)

}  // namespace hetspec
