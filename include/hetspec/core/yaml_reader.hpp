// Strict YAML reading: configs are parsed into plain structs before any evaluation (Timeloop's
// lesson) and, unlike Timeloop, an unknown key, a missing key or a wrong type is an error that
// names the file and the key path ("configs/socs/x.yaml: pus[1].mem_bw_gbps: expected a number").
#pragma once
#include <yaml-cpp/yaml.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

namespace hetspec {

class YamlMap {
 public:
  // Loads a file whose top level must be a mapping; a parse error names file and line.
  static YamlMap load_file(const std::string& path);
  static YamlMap from_string(const std::string& text, const std::string& name);
  YamlMap(YAML::Node node, std::string file, std::string path);

  bool has(const std::string& key) const;
  template <class T> T get(const std::string& key) const;            // required key
  template <class T> T get_or(const std::string& key, T fallback) const;
  double positive(const std::string& key) const;                     // required, > 0, finite
  double positive_or(const std::string& key, double fallback) const;
  double non_negative(const std::string& key) const;                 // required, >= 0, finite
  double non_negative_or(const std::string& key, double fallback) const;
  int positive_int(const std::string& key) const;
  int positive_int_or(const std::string& key, int fallback) const;
  YamlMap map(const std::string& key) const;                         // required nested mapping
  std::vector<YamlMap> maps(const std::string& key) const;           // required list of mappings
  std::vector<YamlMap> maps_or_empty(const std::string& key) const;
  template <class T> std::vector<T> list(const std::string& key) const;  // required list of scalars
  // Every key of this mapping must have been read; otherwise "unknown key". Call after reading.
  void done() const;

  std::string where(const std::string& key = "") const;  // "file: path.key" (with line when known)
  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }
  const YAML::Node& node() const { return node_; }
  std::vector<std::string> keys() const;

 private:
  YAML::Node child(const std::string& key) const;  // required; marks used
  template <class T> T convert(const YAML::Node& n, const std::string& key) const;
  YAML::Node node_;
  std::string file_;
  std::string path_;
  std::shared_ptr<std::set<std::string>> used_;
};

}  // namespace hetspec
