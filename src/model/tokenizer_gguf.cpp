// GGUF tokenizer.* metadata -> TokenizerData (see tokenizer_gguf.hpp).
#include "hetspec/model/tokenizer_gguf.hpp"

#include "hetspec/core/error.hpp"
#include "hetspec/model/gguf_file.hpp"

namespace hetspec {

namespace {

std::vector<std::string> strings(const GgufFile& f, const std::string& key) {
  const auto& views = f.get_string_array(key);
  return std::vector<std::string>(views.begin(), views.end());
}

int32_t token_id(const GgufFile& f, const std::string& key) {
  std::optional<int64_t> v = f.get_i64_opt(key);
  if (!v) return -1;
  if (*v < 0 || *v > INT32_MAX) throw Error(f.where(key), "token id " + std::to_string(*v) + " out of range");
  return int32_t(*v);
}

std::optional<bool> flag(const GgufFile& f, const std::string& key) {
  if (!f.has(key)) return std::nullopt;
  return f.get_bool(key);
}

}  // namespace

TokenizerData tokenizer_data_from_gguf(const GgufFile& f) {
  TokenizerData d;
  d.source = f.path();
  d.model = f.get_string("tokenizer.ggml.model");
  d.pre = f.get_string_or("tokenizer.ggml.pre", "");
  d.tokens = strings(f, "tokenizer.ggml.tokens");
  if (f.has("tokenizer.ggml.scores")) d.scores = f.get_f32_array("tokenizer.ggml.scores");
  if (f.has("tokenizer.ggml.token_type")) d.token_types = f.get_i32_array("tokenizer.ggml.token_type");
  if (f.has("tokenizer.ggml.merges")) d.merges = strings(f, "tokenizer.ggml.merges");
  d.bos_id = token_id(f, "tokenizer.ggml.bos_token_id");
  d.eos_id = token_id(f, "tokenizer.ggml.eos_token_id");
  d.unk_id = token_id(f, "tokenizer.ggml.unknown_token_id");
  d.pad_id = token_id(f, "tokenizer.ggml.padding_token_id");
  d.add_bos = flag(f, "tokenizer.ggml.add_bos_token");
  d.add_eos = flag(f, "tokenizer.ggml.add_eos_token");
  d.add_space_prefix = flag(f, "tokenizer.ggml.add_space_prefix");
  d.chat_template = f.get_string_or("tokenizer.chat_template", "");
  return d;
}

Tokenizer tokenizer_from_gguf(const GgufFile& f) { return Tokenizer(tokenizer_data_from_gguf(f)); }

}  // namespace hetspec
