// A Plan says where every subgraph runs and how: the draft and the target each on one PU or split
// by a contiguous layer range across two, the LM head's PU, the draft length γ (0 = plain decoding,
// no draft), CPU threads per PU, weight dtypes, and the mode (sequential, or overlapped drafting on
// a second PU). PUs are indices into a Profile's pus; plan files name them by id.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "hetspec/core/dtype.hpp"
#include "hetspec/profile/profile.hpp"

namespace hetspec {

enum class Mode { Sequential, Overlapped };
const char* mode_name(Mode m);

struct ModelPlacement {
  int pu = -1;         // layers [0, split) (all layers when split_pu < 0); -1: model not used
  int split_pu = -1;   // layers [split, n_layers) when >= 0
  int split = 0;
  int head_pu = -1;    // final norm + LM head
  DType dtype = DType::Q4_0;  // weight dtype of the layer matrices
  bool used() const { return pu >= 0; }
  bool is_split() const { return split_pu >= 0; }
};

struct Plan {
  ModelPlacement draft;   // unused when gamma == 0
  ModelPlacement target;
  int gamma = 0;
  Mode mode = Mode::Sequential;
  std::vector<int> threads;  // per PU index: CPU threads (1 for other PUs)

  bool speculative() const { return gamma > 0; }
};

// Bit i set: PU index i runs part of this placement / plan (its layers, split or head).
inline uint32_t pu_mask(const ModelPlacement& p) {
  if (!p.used()) return 0;
  uint32_t m = (1u << p.pu) | (1u << p.head_pu);
  if (p.is_split()) m |= 1u << p.split_pu;
  return m;
}
inline uint32_t pu_mask(const Plan& p) { return pu_mask(p.target) | (p.speculative() ? pu_mask(p.draft) : 0u); }

// "draft=gpu target=cpu[0-13]+gpu[14-27] head=cpu γ=4 seq t(cpu)=6"
std::string describe_placement(const ModelPlacement& p, const Profile& prof, int n_layers);
std::string describe_plan(const Plan& plan, const Profile& prof, int draft_layers, int target_layers);

// Plan files (schema hetspec.plan/1); PU ids are checked against the profile, split points against
// the model's layer count. Errors name the file and key.
Plan load_plan(const std::string& path, const Profile& prof, int draft_layers, int target_layers);
std::string plan_to_yaml(const Plan& plan, const Profile& prof);

}  // namespace hetspec
