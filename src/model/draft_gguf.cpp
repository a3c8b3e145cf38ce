#include "hetspec/model/draft_gguf.hpp"

#include <algorithm>
#include <cstring>

#include "hetspec/core/error.hpp"

namespace hetspec {

std::vector<int32_t> read_head_token_ids(const GgufFile& f, int vocab) {
  const GgufValue* v = f.find(kHeadTokenIdsKey);
  if (!v) return {};
  const std::string where = f.where(kHeadTokenIdsKey);
  if (v->type != GgufType::ARRAY || (v->elem_type != GgufType::I32 && v->elem_type != GgufType::U32))
    throw Error(where, std::string("must be an array of int32 token ids, got ") +
                           (v->type == GgufType::ARRAY ? std::string("an array of ") + gguf_type_name(v->elem_type)
                                                       : std::string("a ") + gguf_type_name(v->type)));
  if (v->count == 0) throw Error(where, "is empty (leave the key out for a head over the whole vocabulary)");
  if (v->count > uint64_t(vocab))
    throw Error(where, "lists " + std::to_string(v->count) + " tokens, more than the vocabulary's " + std::to_string(vocab));
  std::vector<int32_t> ids(size_t(v->count));
  std::vector<bool> seen(size_t(vocab), false);
  for (size_t i = 0; i < ids.size(); ++i) {
    int64_t id;
    if (v->elem_type == GgufType::I32) {
      int32_t x;
      std::memcpy(&x, v->elems + 4 * i, 4);
      id = x;
    } else {
      uint32_t x;
      std::memcpy(&x, v->elems + 4 * i, 4);
      id = x;
    }
    if (id < 0 || id >= vocab)
      throw Error(where, "element " + std::to_string(i) + " is token id " + std::to_string(id) + ", outside the vocabulary [0, " +
                             std::to_string(vocab) + ")");
    if (seen[size_t(id)]) throw Error(where, "token id " + std::to_string(id) + " is listed twice (element " + std::to_string(i) + ")");
    seen[size_t(id)] = true;
    ids[i] = int32_t(id);
  }
  return ids;
}

bool read_draft_kind(const GgufFile& f) {
  auto string_of = [&f](const char* key) -> const GgufValue* {
    const GgufValue* v = f.find(key);
    if (v && v->type != GgufType::STRING)
      throw Error(f.where(key), std::string("must be a string, got a ") + gguf_type_name(v->type));
    return v;
  };
  const GgufValue* v = string_of(kDraftKindKey);
  if (!v || v->s == "tokens") return false;
  if (v->s != "eagle")
    throw Error(f.where(kDraftKindKey), "unknown draft kind \"" + std::string(v->s) + "\" (known: \"tokens\", \"eagle\")");
  const GgufValue* feat = string_of(kDraftFeatureKey);
  if (!feat) throw Error(f.where(kDraftFeatureKey), "missing: an \"eagle\" draft must say which feature it reads (\"target_head_input\")");
  if (feat->s != "target_head_input")
    throw Error(f.where(kDraftFeatureKey), "unknown feature \"" + std::string(feat->s) +
                                               "\" (known: \"target_head_input\", the target's final normed hidden state)");
  return true;
}

const std::vector<std::string>& tokenizer_identity_keys() {
  static const std::vector<std::string> keys = {
      "tokenizer.ggml.model",       "tokenizer.ggml.pre",          "tokenizer.ggml.tokens",
      "tokenizer.ggml.token_type",  "tokenizer.ggml.merges",       "tokenizer.ggml.scores",
      "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id"};
  return keys;
}

namespace {

bool is_int(GgufType t) {
  switch (t) {
    case GgufType::U8: case GgufType::I8: case GgufType::U16: case GgufType::I16: case GgufType::U32:
    case GgufType::I32: case GgufType::U64: case GgufType::I64: case GgufType::BOOL: return true;
    default: return false;
  }
}

// Same value: integers compare by value whatever their width (an id stored as u32 or i32).
bool same_value(const GgufFile& a, const GgufFile& b, const std::string& key) {
  const GgufValue& x = a.get(key);
  const GgufValue& y = b.get(key);
  if (is_int(x.type) && is_int(y.type)) return a.get_i64(key) == b.get_i64(key);
  if (x.type != y.type) return false;
  switch (x.type) {
    case GgufType::STRING: return x.s == y.s;
    case GgufType::F32: case GgufType::F64: return x.f == y.f;
    case GgufType::ARRAY:
      if (x.count != y.count) return false;
      if (x.elem_type == GgufType::STRING) return y.elem_type == GgufType::STRING && x.strings == y.strings;
      if (is_int(x.elem_type) && is_int(y.elem_type)) return a.get_i64_array(key) == b.get_i64_array(key);
      if (x.elem_type != y.elem_type) return false;
      if (x.elem_type == GgufType::F32 || x.elem_type == GgufType::F64) return a.get_f32_array(key) == b.get_f32_array(key);
      return false;  // arrays of arrays: not a tokenizer key
    default: return false;
  }
}

}  // namespace

void check_same_tokenizer(const GgufFile& draft, const GgufFile& target) {
  for (const std::string& key : tokenizer_identity_keys()) {
    const bool in_d = draft.has(key), in_t = target.has(key);
    if (!in_d && !in_t) continue;
    std::string why;
    if (!in_d) why = "missing, the target (" + target.path() + ") has it";
    else if (!in_t) why = "the target (" + target.path() + ") has no such key";
    else if (!same_value(draft, target, key)) why = "differs from the target's (" + target.path() + ")";
    if (!why.empty())
      throw Error(draft.where(key), why + ": a draft that borrows its target's embedding and LM head needs the identical tokenizer");
  }
}

ModelSpec borrowing_draft_spec(ModelSpec d, const std::string& file, const ModelSpec& t) {
  if (!d.borrows_embedding) return d;
  const bool gguf = file.size() >= 5 && file.compare(file.size() - 5, 5, ".gguf") == 0;
  if (d.d_model != t.d_model)
    throw Error(file + ": " + (gguf ? d.arch + ".embedding_length" : std::string("d_model")),
                std::to_string(d.d_model) + " differs from the target's " + std::to_string(t.d_model) +
                    ": a draft that borrows the target's embedding and LM head must have its width");
  if (d.vocab != t.vocab)
    throw Error(file + ": " + (gguf ? "tokenizer.ggml.tokens" : "vocab"), "vocabulary of " + std::to_string(d.vocab) + " tokens differs from the target's " +
                                                    std::to_string(t.vocab) + ": a borrowing draft needs the target's tokenizer");
  d.embed_dtype = t.embed_dtype;
  d.tied_embeddings = t.tied_embeddings;
  return d;
}

}  // namespace hetspec
