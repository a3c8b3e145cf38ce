// A plan as llama.cpp runs it: the command line of llama.cpp's speculative tools for a hetspec plan,
// with what llama.cpp cannot express said as warnings. Flag names are those of llama.cpp 0c1e570
// (vendored by llama-cpp-python 0.3.36, scripts/llamacpp.sh): --spec-draft-n-max replaced --draft,
// -md/-ngld/-td/-devd name the draft's model, GPU layers, threads and device.
// llama.cpp places layers by -ngl k: the output layer and the last k−1 repeating layers go to the
// device (src/llama-model.cpp: i_gpu_start = n_layer + 1 − k), so a CPU-then-GPU split with the head
// on the GPU is exact, a GPU-then-CPU split or a split whose head stays on the CPU is not. llama.cpp
// drafts and verifies in sequence, so an overlapped plan runs as its sequential variant. Pure.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "hetspec/model/model_spec.hpp"
#include "hetspec/plan/plan.hpp"
#include "hetspec/profile/profile.hpp"

namespace hetspec {

struct LlamaCppExportOptions {
  std::string tool = "llama-speculative";            // or llama-server
  std::string target_path, draft_path;               // the GGUF files as llama.cpp will be given them
  std::map<std::string, std::string> device_map;     // hetspec PU id -> llama.cpp device name (e.g. cl:0 -> CUDA0)
  int gen_tokens = 64;                               // -n (llama-speculative)
  bool greedy = true;                                // --temp 0: greedy verification, as hetspec validates
};

struct LlamaCppCommand {
  std::vector<std::string> argv;                     // argv[0] is the tool
  std::vector<std::string> warnings;                 // what llama.cpp runs differently from the plan
  std::string shell() const;                         // argv quoted for a POSIX shell
};

// Throws Error for a plan that uses a PU the profile lacks.
LlamaCppCommand export_llamacpp(const Plan& plan, const Profile& prof, const ModelSpec& draft, const ModelSpec& target,
                                const LlamaCppExportOptions& opt);

// "cl:0=CUDA0,gpu=Vulkan0" -> map; errors name the flag.
std::map<std::string, std::string> parse_device_map(const std::string& arg, const std::string& flag);

}  // namespace hetspec
