// Test drafts in the "hetspec draft v1" form (model/draft_gguf.hpp), cut from any GGUF: its first n
// layers and output_norm, its metadata (tokenizer included) with block_count changed, and neither
// token_embd nor output, so the draft borrows its target's. Optionally a head over a vocabulary
// subset (hetspec.draft.head_token_ids), and a feature-reading (eagle) draft's fc. Test support only.
#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include "hetspec/model/draft_gguf.hpp"
#include "hetspec/model/gguf_file.hpp"
#include "hetspec/model/gguf_spec.hpp"
#include "hetspec/model/gguf_writer.hpp"

namespace hetspec::test {

struct DraftCut {
  int layers = 2;
  std::vector<int32_t> head_ids;  // empty: a head over the whole vocabulary
  bool head_ids_u32 = false;      // store the ids as UINT32 (the contract accepts both)
  bool keep_embedding = false;    // keep token_embd / output (a whole model, not a borrowing draft)
  std::vector<float> fc;          // (d, 2d) row-major: an eagle draft's hetspec_fc.weight (empty: token-only)
  DType fc_dtype = DType::F32;
};

// fc (d, 2d) = [a·I | b·I]: the first layer's input a·embed + b·feature.
inline std::vector<float> fc_identity(int d, float a, float b) {
  std::vector<float> fc(size_t(d) * 2 * size_t(d), 0.0f);
  for (int i = 0; i < d; ++i) {
    fc[size_t(i) * 2 * d + size_t(i)] = a;
    fc[size_t(i) * 2 * d + size_t(d + i)] = b;
  }
  return fc;
}

inline DraftCut draft_cut(int layers, std::vector<int32_t> head_ids = {}, bool head_ids_u32 = false) {
  DraftCut c;
  c.layers = layers;
  c.head_ids = std::move(head_ids);
  c.head_ids_u32 = head_ids_u32;
  return c;
}

inline void write_draft_cut(const std::string& src, const DraftCut& c, const std::string& dst) {
  GgufFile f = GgufFile::open(src);
  GgufWriter w(f.alignment());
  w.copy_metadata(f);
  const std::string arch = f.get_string("general.architecture");
  w.set_u32(arch + ".block_count", uint32_t(c.layers));
  w.set_string("general.name", "hetspec-test-draft");
  if (!c.head_ids.empty()) {
    std::vector<GgufOwnedValue> items;
    for (int32_t id : c.head_ids)
      items.push_back(c.head_ids_u32 ? GgufOwnedValue::scalar_u(GgufType::U32, uint32_t(id))
                                     : GgufOwnedValue::scalar_i(GgufType::I32, id));
    w.set(kHeadTokenIdsKey, GgufOwnedValue::array(c.head_ids_u32 ? GgufType::U32 : GgufType::I32, std::move(items)));
  }
  if (!c.fc.empty()) {
    w.set_string(kDraftKindKey, "eagle");
    w.set_string(kDraftFeatureKey, "target_head_input");
    const int64_t d = f.get_i64(arch + ".embedding_length");
    w.add_tensor_f32(kFeatureFcTensor, c.fc_dtype, {2 * d, d}, c.fc);
  }
  for (const auto& t : f.tensors()) {
    if (t.name.rfind("blk.", 0) == 0 && std::stoi(t.name.substr(4)) >= c.layers) continue;
    if (!c.keep_embedding && (t.name == kTokenEmbdTensor || t.name == kOutputTensor)) continue;
    w.add_tensor(t.name, t.ggml_type, t.dims, std::string(reinterpret_cast<const char*>(t.data), t.n_bytes));
  }
  w.write(dst);
}

// n distinct token ids in [0, vocab): `must` first, then a spread of the rest, in no sorted order.
inline std::vector<int32_t> head_subset(int vocab, int n, const std::vector<int32_t>& must = {}) {
  std::vector<int32_t> ids;
  std::vector<bool> used(size_t(vocab), false);
  for (int32_t m : must)
    if (!used[size_t(m)] && int(ids.size()) < n) ids.push_back(m), used[size_t(m)] = true;
  for (int64_t k = 0; int(ids.size()) < n && k < int64_t(vocab) * 4; ++k) {
    const int32_t id = int32_t((k * 7919 + 13) % vocab);  // a stride coprime with the vocabularies used
    if (!used[size_t(id)]) ids.push_back(id), used[size_t(id)] = true;
  }
  return ids;
}

}  // namespace hetspec::test
