#include "hetspec/core/yaml_reader.hpp"

#include <cmath>
#include <map>
#include <type_traits>

#include "hetspec/core/error.hpp"
#include "hetspec/core/input_file.hpp"
#include "hetspec/core/utf8.hpp"

namespace hetspec {

namespace {
const char* type_name(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Null: return "null";
    case YAML::NodeType::Scalar: return "a scalar";
    default: return "nothing";
  }
}
template <class T> const char* expected_name();
template <> const char* expected_name<double>() { return "a number"; }
template <> const char* expected_name<int>() { return "an integer"; }
template <> const char* expected_name<long long>() { return "an integer"; }
template <> const char* expected_name<bool>() { return "true or false"; }
template <> const char* expected_name<std::string>() { return "a string"; }

std::string line_of(const YAML::Node& n) { return std::to_string(n.Mark().line + 1); }

// yaml-cpp keeps both entries of a repeated key and node[key] finds the first, so a config that says
// `gamma: 3` and, lower down, `gamma: 5` would silently run with 3. A repeated key is an error
// naming both lines; so is a key that is not a plain name. Walks the whole document.
void check_duplicate_keys(const YAML::Node& n, const std::string& file, const std::string& path, int depth = 0) {
  if (depth > 256) throw Error(path.empty() ? file : file + ": " + path, "nested too deeply");
  if (n.IsMap()) {
    std::map<std::string, YAML::Node> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (!it->first.IsScalar())  // `? [a, b]: 1`: every reader here looks keys up by name
        throw Error((path.empty() ? file : file + ": " + path) + ": key on line " + line_of(it->first),
                    std::string("must be a plain name, got ") + type_name(it->first));
      const std::string k = it->first.Scalar();
      const std::string p = key_path(path, k);
      auto [prev, fresh] = seen.emplace(k, it->first);
      if (!fresh)
        throw Error(file + ": " + p, "duplicate key (line " + line_of(prev->second) + " and line " + line_of(it->first) + ")");
      check_duplicate_keys(it->second, file, p, depth + 1);
    }
  } else if (n.IsSequence()) {
    for (size_t i = 0; i < n.size(); ++i)
      check_duplicate_keys(n[i], file, path + "[" + std::to_string(i) + "]", depth + 1);
  }
}
}  // namespace

YamlMap YamlMap::load_file(const std::string& path) {
  check_input_file(path, kMaxYamlBytes, "YAML");  // a directory or a named pipe is one clear line, not a hang
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw Error(path, "line " + std::to_string(e.mark.line + 1) + ": malformed YAML: " + e.msg);
  }
  if (!root.IsMap()) throw Error(path, std::string("top level must be a mapping, got ") + type_name(root));
  check_duplicate_keys(root, path, "");
  return YamlMap(root, path, "");
}

YamlMap YamlMap::from_string(const std::string& text, const std::string& name) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error(name, "line " + std::to_string(e.mark.line + 1) + ": malformed YAML: " + e.msg);
  }
  if (!root.IsMap()) throw Error(name, std::string("top level must be a mapping, got ") + type_name(root));
  check_duplicate_keys(root, name, "");
  return YamlMap(root, name, "");
}

YamlMap::YamlMap(YAML::Node node, std::string file, std::string path)
    : node_(std::move(node)), file_(std::move(file)), path_(std::move(path)),
      used_(std::make_shared<std::set<std::string>>()) {
  if (!node_.IsMap()) throw Error(where(), std::string("expected a mapping, got ") + type_name(node_));
}

std::string YamlMap::where(const std::string& key) const {
  std::string p = key_path(path_, key);
  return p.empty() ? file_ : file_ + ": " + p;
}

bool YamlMap::has(const std::string& key) const {
  YAML::Node n = node_[key];
  if (n.IsDefined()) used_->insert(key);
  return n.IsDefined() && !n.IsNull();
}

std::vector<std::string> YamlMap::keys() const {
  std::vector<std::string> out;
  for (auto it = node_.begin(); it != node_.end(); ++it) out.push_back(it->first.as<std::string>());
  return out;
}

YAML::Node YamlMap::child(const std::string& key) const {
  YAML::Node n = node_[key];
  used_->insert(key);
  if (!n.IsDefined() || n.IsNull()) throw Error(where(key), "missing required key");
  return n;
}

template <class T> T YamlMap::convert(const YAML::Node& n, const std::string& key) const {
  if (!n.IsScalar())
    throw Error(where(key), std::string("expected ") + expected_name<T>() + ", got " + type_name(n));
  if constexpr (std::is_same_v<T, std::string>) {
    // Names end up in JSON reports, and JSON is UTF-8: say so here rather than fail mid-write.
    if (!is_valid_utf8(n.Scalar())) throw Error(where(key), "not valid UTF-8 text: " + quote_bytes(n.Scalar()));
  }
  try {
    return n.as<T>();
  } catch (const YAML::Exception&) {
    throw Error(where(key), std::string("expected ") + expected_name<T>() + ", got '" + n.Scalar() + "'");
  }
}

template <class T> T YamlMap::get(const std::string& key) const { return convert<T>(child(key), key); }

template <class T> T YamlMap::get_or(const std::string& key, T fallback) const {
  return has(key) ? get<T>(key) : fallback;
}

double YamlMap::positive(const std::string& key) const {
  double v = get<double>(key);
  if (!std::isfinite(v) || v <= 0) throw Error(where(key), "must be a positive number, got " + node_[key].Scalar());
  return v;
}
double YamlMap::positive_or(const std::string& key, double fallback) const {
  return has(key) ? positive(key) : fallback;
}
double YamlMap::non_negative(const std::string& key) const {
  double v = get<double>(key);
  if (!std::isfinite(v) || v < 0) throw Error(where(key), "must be >= 0, got " + node_[key].Scalar());
  return v;
}
double YamlMap::non_negative_or(const std::string& key, double fallback) const {
  return has(key) ? non_negative(key) : fallback;
}
int YamlMap::positive_int(const std::string& key) const {
  int v = get<int>(key);
  if (v <= 0) throw Error(where(key), "must be a positive integer, got " + std::to_string(v));
  return v;
}
int YamlMap::positive_int_or(const std::string& key, int fallback) const {
  return has(key) ? positive_int(key) : fallback;
}

YamlMap YamlMap::map(const std::string& key) const {
  YAML::Node n = child(key);
  if (!n.IsMap()) throw Error(where(key), std::string("expected a mapping, got ") + type_name(n));
  return YamlMap(n, file_, key_path(path_, key));
}

std::vector<YamlMap> YamlMap::maps(const std::string& key) const {
  YAML::Node n = child(key);
  if (!n.IsSequence()) throw Error(where(key), std::string("expected a list, got ") + type_name(n));
  std::vector<YamlMap> out;
  for (size_t i = 0; i < n.size(); ++i) {
    std::string p = key_path(path_, key) + "[" + std::to_string(i) + "]";
    if (!n[i].IsMap()) throw Error(file_ + ": " + p, std::string("expected a mapping, got ") + type_name(n[i]));
    out.emplace_back(n[i], file_, p);
  }
  return out;
}

std::vector<YamlMap> YamlMap::maps_or_empty(const std::string& key) const {
  return has(key) ? maps(key) : std::vector<YamlMap>{};
}

template <class T> std::vector<T> YamlMap::list(const std::string& key) const {
  YAML::Node n = child(key);
  if (!n.IsSequence()) throw Error(where(key), std::string("expected a list, got ") + type_name(n));
  std::vector<T> out;
  for (size_t i = 0; i < n.size(); ++i) out.push_back(convert<T>(n[i], key + "[" + std::to_string(i) + "]"));
  return out;
}

void YamlMap::done() const {
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    std::string k = it->first.as<std::string>();
    if (!used_->count(k)) throw Error(where(k), "unknown key");
  }
}

template double YamlMap::get<double>(const std::string&) const;
template int YamlMap::get<int>(const std::string&) const;
template long long YamlMap::get<long long>(const std::string&) const;
template bool YamlMap::get<bool>(const std::string&) const;
template std::string YamlMap::get<std::string>(const std::string&) const;
template double YamlMap::get_or<double>(const std::string&, double) const;
template int YamlMap::get_or<int>(const std::string&, int) const;
template bool YamlMap::get_or<bool>(const std::string&, bool) const;
template std::string YamlMap::get_or<std::string>(const std::string&, std::string) const;
template std::vector<double> YamlMap::list<double>(const std::string&) const;
template std::vector<int> YamlMap::list<int>(const std::string&) const;
template std::vector<std::string> YamlMap::list<std::string>(const std::string&) const;

}  // namespace hetspec
