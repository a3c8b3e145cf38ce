#include "hetspec/engine/runner/device_plan.hpp"

#include <algorithm>
#include <sstream>

#include "hetspec/core/error.hpp"

namespace hetspec {

namespace {

int parse_int(const std::string& s, const std::string& where) {
  if (s.empty() || s.size() > 6 || !std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(uint8_t(c)); }))
    throw Error(where, "expected a number, got '" + s + "'");
  return std::stoi(s);
}

}  // namespace

int parse_engine_pu(const std::string& s, const std::string& where) {
  if (s == "cpu") return -1;
  if (s.rfind("cl:", 0) == 0) return parse_int(s.substr(3), where);
  throw Error(where, "unknown processor '" + s + "' (cpu or cl:N)");
}

bool DevicePlan::any_cl() const {
  if (head_cl >= 0) return true;
  for (auto& r : ranges)
    if (r.cl >= 0) return true;
  return false;
}

DevicePlan parse_device_plan(const std::string& text, int n_layers) {
  const std::string where = "--device '" + text + "'";
  DevicePlan p;
  bool head_set = false;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    if (part.empty()) throw Error(where, "empty entry");
    if (part.rfind("head=", 0) == 0) {
      p.head_cl = parse_engine_pu(part.substr(5), where);
      head_set = true;
      continue;
    }
    // cpu | cpu:A-B | cl:N | cl:N:A-B
    PlanRange r;
    std::string layers;
    if (part.rfind("cpu", 0) == 0) {
      r.cl = -1;
      if (part.size() > 3) {
        if (part[3] != ':') throw Error(where, "bad entry '" + part + "'");
        layers = part.substr(4);
      }
    } else if (part.rfind("cl:", 0) == 0) {
      auto colon = part.find(':', 3);
      r.cl = parse_int(part.substr(3, colon == std::string::npos ? std::string::npos : colon - 3), where);
      if (colon != std::string::npos) layers = part.substr(colon + 1);
    } else {
      throw Error(where, "unknown processor in '" + part + "' (cpu, cpu:A-B, cl:N, cl:N:A-B, head=PU)");
    }
    if (layers.empty()) {
      r.l0 = 0;
      r.l1 = n_layers;
    } else {
      auto dash = layers.find('-');
      if (dash == std::string::npos) throw Error(where, "layer range '" + layers + "' must be A-B (inclusive)");
      r.l0 = parse_int(layers.substr(0, dash), where);
      r.l1 = parse_int(layers.substr(dash + 1), where) + 1;
    }
    p.ranges.push_back(r);
  }
  if (p.ranges.empty()) throw Error(where, "no layer range");
  int next = 0;
  for (auto& r : p.ranges) {
    if (r.l0 != next || r.l1 <= r.l0 || r.l1 > n_layers)
      throw Error(where, "layer ranges must be contiguous, in order, and cover layers 0-" + std::to_string(n_layers - 1) +
                             " exactly (got " + r.pu() + " " + std::to_string(r.l0) + "-" + std::to_string(r.l1 - 1) +
                             ")");
    next = r.l1;
  }
  if (next != n_layers)
    throw Error(where, "layers " + std::to_string(next) + "-" + std::to_string(n_layers - 1) + " are not placed");
  if (!head_set) p.head_cl = p.ranges.back().cl;
  return p;
}

std::string DevicePlan::text() const {
  std::string out;
  for (auto& r : ranges)
    out += (out.empty() ? "" : ",") + r.pu() + ":" + std::to_string(r.l0) + "-" + std::to_string(r.l1 - 1);
  return out + ",head=" + (head_cl < 0 ? std::string("cpu") : "cl:" + std::to_string(head_cl));
}

}  // namespace hetspec
