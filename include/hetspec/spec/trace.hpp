// What the executor measured, in the cost model's terms, so that prediction and measurement join
// phase by phase: every iteration of a request records its draft / verify / catch-up / host /
// transfer / hand-off / overlap times (µs, named as in PhaseTimes), how many tokens were drafted and
// accepted, and how many it emitted. A request adds the prefill (TTFT) and its generated tokens.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "hetspec/cost/spec_cost.hpp"

namespace hetspec {

struct IterationEvent {
  int drafted = 0;          // γ (0 for plain decoding)
  int accepted = 0;         // drafted tokens accepted (k)
  int emitted = 0;          // tokens this iteration added to the output (k + 1, fewer at a stop)
  bool predrafted = false;  // overlapped: the block was drafted while the previous verify ran
  PhaseTimes phases;        // µs; phases.total() == iter_us
  double iter_us = 0;       // wall time of the iteration
};

struct RequestTrace {
  std::string prompt_id;
  int prompt_tokens = 0;
  std::vector<int32_t> tokens;     // generated ids (the first comes from the prefill)
  double draft_prefill_us = 0;
  double target_prefill_us = 0;
  double ttft_us = 0;              // request start -> first token sampled (both models prefilled)
  double decode_us = 0;            // first token -> last token
  double request_us = 0;           // whole request
  bool stopped = false;            // hit a stop id
  bool context_full = false;
  std::vector<IterationEvent> iters;

  // Decode: time per generated token after the first (the cost model's per-token latency).
  double per_token_us() const;
  PhaseTimes phase_sum() const;
};

}  // namespace hetspec
