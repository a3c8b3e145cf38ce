// Memory each PU must hold for a plan: weights of the subgraphs placed on it, the KV cache of the
// layers it runs, and scratch activations. Feasibility: each PU's own limit (mem_bytes) and, on
// unified memory, the SoC's usable DRAM shared by all.
#pragma once
#include <array>
#include <string>

#include "hetspec/cost/spec_cost.hpp"

namespace hetspec {

// Adds one model's footprint under a placement into `use` (per PU index). ctx_tokens: KV length.
void add_model_memory(const ModelSpec& spec, const ModelPlacement& pl, const Profile& prof, int max_rows,
                      int ctx_tokens, std::array<PuUse, kMaxPus>& use);
// "" when it fits, else the reason ("does not fit: gpu needs 3.1 GB of 2.0 GB").
std::string memory_verdict(const std::array<PuUse, kMaxPus>& use, const Profile& prof);

}  // namespace hetspec
