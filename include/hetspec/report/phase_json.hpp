// PhaseTimes <-> JSON under the cost model's phase names, one definition for every writer and reader
// (summary.json, trace.json, validation.json), so prediction and measurement join by the same keys.
#pragma once
#include <nlohmann/json.hpp>

#include "hetspec/cost/spec_cost.hpp"

namespace hetspec {

inline nlohmann::json phases_json(const PhaseTimes& p) {
  return nlohmann::json{{"draft", p.draft},       {"verify", p.verify},   {"catchup", p.catchup},
                        {"host", p.host},         {"transfer", p.transfer}, {"handoff", p.handoff},
                        {"overlap", p.overlap},   {"total", p.total()}};
}

inline PhaseTimes phases_from_json(const nlohmann::json& j) {
  PhaseTimes p;
  p.draft = j.at("draft");
  p.verify = j.at("verify");
  p.catchup = j.at("catchup");
  p.host = j.at("host");
  p.transfer = j.at("transfer");
  p.handoff = j.at("handoff");
  p.overlap = j.at("overlap");
  return p;
}

}  // namespace hetspec
