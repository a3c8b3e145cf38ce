// The two keys every JSON output of hetspec starts with: "schema" (what the file is, e.g.
// "hetspec.sweep/1"; docs/schemas/ describes each) and "hetspec_version" (which build wrote it).
// One helper, so no writer can carry one without the other.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace hetspec {

void stamp_output(nlohmann::json& j, const std::string& schema);

}  // namespace hetspec
