// What `hetspec inspect` prints: the architecture as a configs/models YAML (schema
// hetspec.model/1, usable by `sweep` as is), the tokenizer kind, and the tensor table with totals
// per type. The text form is itself valid YAML: everything but the spec is a comment.
#pragma once
#include <string>

#include "hetspec/model/gguf_file.hpp"
#include "hetspec/model/model_spec.hpp"

namespace hetspec {

// A ModelSpec in the configs/models/*.yaml schema (parse_model_spec reads it back).
std::string model_spec_yaml(const ModelSpec& m);

std::string inspect_text(const GgufFile& f);
std::string inspect_json(const GgufFile& f);  // spec, tokenizer, metadata, tensors, totals

}  // namespace hetspec
