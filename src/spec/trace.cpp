#include "hetspec/spec/trace.hpp"

namespace hetspec {

double RequestTrace::per_token_us() const {
  return tokens.size() > 1 ? decode_us / double(tokens.size() - 1) : 0.0;
}

PhaseTimes RequestTrace::phase_sum() const {
  PhaseTimes s;
  for (const auto& it : iters) {
    s.draft += it.phases.draft;
    s.verify += it.phases.verify;
    s.catchup += it.phases.catchup;
    s.host += it.phases.host;
    s.transfer += it.phases.transfer;
    s.handoff += it.phases.handoff;
    s.overlap += it.phases.overlap;
  }
  return s;
}

}  // namespace hetspec
