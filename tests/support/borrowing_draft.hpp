// Test drafts in the "hetspec draft v1" form (model/draft_gguf.hpp), cut from any GGUF: its first n
// layers and output_norm, its metadata (tokenizer included) with block_count changed, and neither
// token_embd nor output, so the draft borrows its target's. Optionally a head over a vocabulary
// subset (hetspec.draft.head_token_ids). Test support only.
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
};

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
