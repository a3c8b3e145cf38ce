// "hetspec draft v1": a draft model trained to run on its target's token embedding and LM head, so
// its file holds only the layers and output_norm (no token_embd.weight, no output.weight) plus the
// target's tokenizer keys, copied verbatim. Optionally its head covers a frequency-ranked vocabulary
// subset (FR-Spec): hetspec.draft.head_token_ids lists the token id of each head row. This file has
// the contract's facts (the key, the checks); the engine borrows the weights (engine/cpu_model.hpp).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "hetspec/model/gguf_file.hpp"
#include "hetspec/model/model_spec.hpp"

namespace hetspec {

inline constexpr const char* kHeadTokenIdsKey = "hetspec.draft.head_token_ids";  // array of int32 (or uint32)
// "tokens" (or absent): a draft that reads only tokens. "eagle": one that also reads its target's
// features (scripts/train-draft/, docs/draft.md): tensor hetspec_fc.weight (d, 2d) maps
// [embed(t_i); g_{i-1}] to its first layer's input, and hetspec.draft.feature names what g is.
inline constexpr const char* kDraftKindKey = "hetspec.draft.kind";
inline constexpr const char* kDraftFeatureKey = "hetspec.draft.feature";  // "target_head_input"
inline constexpr const char* kFeatureFcTensor = "hetspec_fc.weight";

// True for a feature-reading ("eagle") draft, false for a token-only one (the key absent or
// "tokens"). Throws Error("file: hetspec.draft.kind" / "...feature", ...) for an unknown kind or
// feature, or a key that is not a string.
bool read_draft_kind(const GgufFile& f);

// The head's token ids (n_sub, each in [0, vocab), unique), or empty when the key is absent.
// Throws Error("file: hetspec.draft.head_token_ids", ...) for a bad list.
std::vector<int32_t> read_head_token_ids(const GgufFile& f, int vocab);

// The tokenizer keys a borrowing draft must share with its target, value for value.
const std::vector<std::string>& tokenizer_identity_keys();
// Throws Error("<draft>: <key>", "differs from the target's (<target>) ...") at the first key whose
// value differs (or is present in only one of the files).
void check_same_tokenizer(const GgufFile& draft, const GgufFile& target);

// A borrowing draft's spec beside its target: the embedding's dtype and tying are the target's.
// Throws Error("<draft_file>: <key>") when the widths or vocabularies differ. A draft that does not
// borrow is returned as it is.
ModelSpec borrowing_draft_spec(ModelSpec draft, const std::string& draft_file, const ModelSpec& target);

}  // namespace hetspec
