// `hetspec make-draft`: a borrowing draft (hetspec draft v1, model/draft_gguf.hpp) made whole for
// engines that want one file per model (llama.cpp -md): the draft's metadata and tensors as they
// are, plus its target's token_embd.weight (and output.weight when the target's head is untied).
// hetspec.draft.head_token_ids stays (llama.cpp ignores unknown keys; hetspec keeps its subset head).
#pragma once
#include <string>

#include "hetspec/model/model_spec.hpp"

namespace hetspec {

struct StandaloneDraft {
  ModelSpec spec;          // the written file's spec (its own embedding now)
  bool with_output = false;  // the target's untied output.weight was added too
};

// Checks the pair (tokenizers identical, widths equal, the draft borrows) and writes `out`
// atomically: no partial file on any error. Throws Error("<file>: <key>", ...) for bad input.
StandaloneDraft write_standalone_draft(const std::string& target_path, const std::string& draft_path, const std::string& out);

}  // namespace hetspec
