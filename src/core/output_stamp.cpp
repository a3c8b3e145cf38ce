#include "hetspec/core/output_stamp.hpp"

#include "hetspec/core/version.hpp"

namespace hetspec {

void stamp_output(nlohmann::json& j, const std::string& schema) {
  j["schema"] = schema;
  j["hetspec_version"] = version_string();
}

}  // namespace hetspec
