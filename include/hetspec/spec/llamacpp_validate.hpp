// `hetspec validate --engine llama.cpp`: the same proof for a second executor that nobody here wrote.
// Every plan of the grid (over the thread counts a llama.cpp profile was measured at) is predicted
// with the llama.cpp profile (hetspec profile --engine llama.cpp), exported as llama.cpp's command
// line (plan/llamacpp_export.hpp) and run on the held-out prompts: llama-speculative for a
// speculative plan, llama-completion for plain decoding, with plain decoding at the predicted-best
// thread count run right before each prompt of each plan (interleaved, as hetspec's own validate
// does). Their printed timings (spec/llamacpp_output.hpp) become the same Validation, so the report,
// calibrate and --second-run work unchanged. Acceptance comes from hetspec's executor on the
// calibration split (greedy verification accepts the same tokens in both engines) or --accept-rate;
// llama.cpp prints only the overall accept rate, which each plan's row keeps.
#pragma once
#include <vector>

#include "hetspec/spec/validate.hpp"

namespace hetspec {

Validation run_llamacpp_validation(const ValidateConfig& cfg, const std::vector<PlanOutcome>& done = {});

}  // namespace hetspec
