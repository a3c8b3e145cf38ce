// A JSON Schema checker for the subset docs/schemas/*.schema.json use: type (one or a list), enum,
// required, properties, additionalProperties (false or a schema), items, and local "$ref"s to
// "#/$defs/<name>". Other keywords (title, description, $id...) are ignored. Debian 12 packages no
// C++ JSON Schema validator (README: Dependencies), and this subset is small enough to check here.
// Returns every violation as "<json pointer>: <what>"; empty = valid.
#pragma once
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace hetspec::test {

namespace schema_detail {
using nlohmann::json;

inline bool has_type(const json& v, const std::string& t) {
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "string") return v.is_string();
  if (t == "boolean") return v.is_boolean();
  if (t == "null") return v.is_null();
  if (t == "number") return v.is_number();
  if (t == "integer")
    return v.is_number_integer() || (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>());
  return false;
}

inline void check(const json& v, const json& s, const json& root, const std::string& at, std::vector<std::string>& errs) {
  if (s.contains("$ref")) {
    const std::string ref = s["$ref"];
    const std::string prefix = "#/$defs/";
    if (ref.rfind(prefix, 0) != 0 || !root["$defs"].contains(ref.substr(prefix.size()))) {
      errs.push_back(at + ": unresolvable $ref " + ref);
      return;
    }
    check(v, root["$defs"][ref.substr(prefix.size())], root, at, errs);
  }
  if (s.contains("type")) {
    bool ok = false;
    for (const auto& t : s["type"].is_array() ? s["type"] : json::array({s["type"]})) ok = ok || has_type(v, t);
    if (!ok) {
      errs.push_back(at + ": expected type " + s["type"].dump() + ", got " + v.type_name());
      return;
    }
  }
  if (s.contains("enum")) {
    bool found = false;
    for (const auto& e : s["enum"]) found = found || e == v;
    if (!found) errs.push_back(at + ": " + v.dump() + " is not one of " + s["enum"].dump());
  }
  if (v.is_object()) {
    for (const auto& r : s.value("required", json::array()))
      if (!v.contains(r.get<std::string>())) errs.push_back(at + ": missing required key '" + r.get<std::string>() + "'");
    const json props = s.value("properties", json::object());
    for (const auto& [k, x] : v.items()) {
      if (props.contains(k)) check(x, props[k], root, at + "/" + k, errs);
      else if (s.contains("additionalProperties")) {
        const json& ap = s["additionalProperties"];
        if (ap.is_boolean() && !ap.get<bool>()) errs.push_back(at + ": unexpected key '" + k + "'");
        else if (ap.is_object()) check(x, ap, root, at + "/" + k, errs);
      }
    }
  }
  if (v.is_array() && s.contains("items"))
    for (size_t i = 0; i < v.size(); ++i) check(v[i], s["items"], root, at + "/" + std::to_string(i), errs);
}
}  // namespace schema_detail

inline std::vector<std::string> schema_errors(const nlohmann::json& doc, const nlohmann::json& schema) {
  std::vector<std::string> errs;
  schema_detail::check(doc, schema, schema, "", errs);
  return errs;
}

}  // namespace hetspec::test
