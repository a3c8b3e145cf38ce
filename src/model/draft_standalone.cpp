#include "hetspec/model/draft_standalone.hpp"

#include <filesystem>

#include "hetspec/core/error.hpp"
#include "hetspec/model/draft_gguf.hpp"
#include "hetspec/model/gguf_file.hpp"
#include "hetspec/model/gguf_spec.hpp"
#include "hetspec/model/gguf_writer.hpp"

namespace hetspec {

namespace {
void check_not_input(const std::string& out, const std::string& input) {
  std::error_code ec;
  if (std::filesystem::exists(out, ec) && std::filesystem::equivalent(out, input, ec))
    throw Error("--out", "'" + out + "' is an input file (" + input + "); write the standalone draft elsewhere");
}
std::string bytes_of(const GgufTensor& t) { return std::string(reinterpret_cast<const char*>(t.data), t.n_bytes); }
}  // namespace

StandaloneDraft write_standalone_draft(const std::string& target_path, const std::string& draft_path, const std::string& out) {
  check_not_input(out, target_path);
  check_not_input(out, draft_path);
  GgufFile draft = GgufFile::open(draft_path);
  GgufFile target = GgufFile::open(target_path);
  ModelSpec ds = spec_from_gguf(draft);
  const ModelSpec ts = spec_from_gguf(target);
  if (ds.reads_features)
    throw Error(draft.where(kDraftKindKey), "\"eagle\": a draft that reads its target's features runs only in hetspec's "
                                            "executor; a standalone copy (llama.cpp's -md) needs a token-only draft");
  if (!ds.borrows_embedding)
    throw Error(draft.where(kTokenEmbdTensor), "present: this draft has its own token embedding, nothing to borrow");
  check_same_tokenizer(draft, target);
  ds = borrowing_draft_spec(ds, draft_path, ts);
  check_draft_target_pair(ds, draft_path, ts, target_path);
  validate_gguf_tensors(draft, ds);
  validate_gguf_tensors(target, ts);

  GgufWriter w(draft.alignment());
  w.copy_metadata(draft);
  const GgufTensor& embd = target.tensor(kTokenEmbdTensor);
  w.add_tensor(embd.name, embd.ggml_type, embd.dims, bytes_of(embd));  // (vocab, d)
  for (const auto& t : draft.tensors()) w.add_tensor(t.name, t.ggml_type, t.dims, bytes_of(t));
  StandaloneDraft r;
  if (const GgufTensor* o = target.find_tensor(kOutputTensor)) {
    w.add_tensor(o->name, o->ggml_type, o->dims, bytes_of(*o));  // (vocab, d) an untied head
    r.with_output = true;
  }
  w.write(out);
  r.spec = spec_from_gguf(GgufFile::open(out));
  return r;
}

}  // namespace hetspec
