#include "hetspec/model/model_spec.hpp"

#include "hetspec/core/checked.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/core/yaml_reader.hpp"
#include "hetspec/model/draft_gguf.hpp"

#include <string>
#include <utility>

namespace hetspec {

int64_t ModelSpec::layer_params() const {
  // validate_model_spec bounds every size (kSizeLimits), so this cannot overflow for a validated
  // spec; checked anyway, since a spec can be built in code without validation.
  const std::string w = name.empty() ? "model" : name;
  const int64_t d = d_model;
  const int64_t qkv_cols = checked_add(q_dim(), checked_mul(2, kv_dim(), w), w);
  int64_t p = checked_mul(d, qkv_cols, w);                        // QKV
  p = checked_add(p, checked_mul(q_dim(), d, w), w);              // O
  p = checked_add(p, checked_mul(checked_mul(3, d, w), ffn_dim, w), w);  // gate, up, down
  return p;
}

int64_t ModelSpec::total_params() const {
  const int64_t layers = int64_t(n_layers) * layer_params() + feature_params();
  if (borrows_embedding) return layers + (head_rows > 0 ? head_params() : 0);
  return layers + embedding_params() + (tied_embeddings && head_rows == 0 ? 0 : head_params());
}

double ModelSpec::layer_bytes() const {
  return layer_params() * bytes_per_weight(weight_dtype) + 2.0 * d_model * 4;
}
double ModelSpec::head_bytes() const { return head_params() * bytes_per_weight(embed_dtype) + d_model * 4.0; }
double ModelSpec::feature_bytes() const { return feature_params() * bytes_per_weight(weight_dtype); }
double ModelSpec::embedding_bytes() const { return embedding_params() * bytes_per_weight(embed_dtype); }

namespace {
// Upper bounds on a spec's sizes, as data: the largest real dense decoders with a margin of about 4x
// or more. Beyond them a spec is a typo (or hostile), and within them every size product in the cost
// model and the GGUF writer fits int64 (layers x d x ffn x 3 < 2^47).
struct SizeLimit {
  const char* key;
  int64_t max;
  const char* largest_real;
};
constexpr SizeLimit kSizeLimits[] = {
    {"layers", 4096, "126 (Llama-3.1-405B)"},
    {"d_model", 1 << 16, "18432 (PaLM-540B)"},
    {"heads", 1024, "128 (Llama-3.1-405B)"},
    {"kv_heads", 1024, "128 (Llama-3.1-405B)"},
    {"head_dim", 1024, "256 (Gemma, PaLM)"},
    {"heads*head_dim", 1 << 16, "16384 (Llama-3.1-405B)"},
    {"ffn", 1 << 18, "73728 (PaLM-540B)"},
    {"vocab", 1 << 22, "262144 (Gemma 3)"},
    {"context", 1 << 24, "10485760 (Llama-4-Scout)"},
};

DType dtype_key(const YamlMap& y, const std::string& key, DType fallback) {
  if (!y.has(key)) return fallback;
  std::string s = y.get<std::string>(key);
  auto t = parse_dtype(s);
  if (!t) throw Error(y.where(key), "unknown dtype '" + s + "' (f32, f16, bf16, q8_0, q4_0, q4_1, q4_k, q6_k)");
  return *t;
}
}  // namespace

ModelSpec parse_model_spec(const YamlMap& y) {
  ModelSpec m;
  std::string schema = y.get<std::string>("schema");
  if (schema != "hetspec.model/1") throw Error(y.where("schema"), "unsupported schema '" + schema + "' (expected hetspec.model/1)");
  m.name = y.get<std::string>("name");
  m.arch = y.get_or<std::string>("arch", "llama");
  if (m.arch != "llama" && m.arch != "qwen2") throw Error(y.where("arch"), "unknown arch '" + m.arch + "' (llama, qwen2)");
  m.n_layers = y.positive_int("layers");
  m.d_model = y.positive_int("d_model");
  m.n_heads = y.positive_int("heads");
  m.n_kv_heads = y.positive_int("kv_heads");
  m.head_dim = y.has("head_dim") ? y.positive_int("head_dim") : 0;
  m.ffn_dim = y.positive_int("ffn");
  m.vocab = y.positive_int("vocab");
  m.context = y.positive_int("context");
  m.tied_embeddings = y.get<bool>("tied_embeddings");
  m.borrows_embedding = y.get_or<bool>("borrows_embedding", false);
  m.head_rows = y.has("head_rows") ? y.positive_int("head_rows") : 0;
  m.reads_features = y.get_or<bool>("reads_features", false);  // an EAGLE draft (fc (d, 2d) in weight_dtype)
  m.qkv_bias = y.get_or<bool>("qkv_bias", m.arch == "qwen2");
  m.rope_theta = y.positive("rope_theta");
  m.rms_eps = y.positive_or("rms_eps", 1e-5);
  if (y.has("rope_scaling")) {
    YamlMap r = y.map("rope_scaling");
    m.rope_scaling.factor = r.positive("factor");
    m.rope_scaling.low_freq_factor = r.positive("low_freq_factor");
    m.rope_scaling.high_freq_factor = r.positive("high_freq_factor");
    m.rope_scaling.original_context = r.positive_int("original_context");
    r.done();
  }
  m.weight_dtype = dtype_key(y, "weight_dtype", DType::Q4_0);
  m.embed_dtype = dtype_key(y, "embed_dtype", m.weight_dtype);
  m.source = y.get_or<std::string>("source", "");
  y.done();
  if (m.head_dim == 0) {
    if (m.d_model % m.n_heads != 0)
      throw Error(y.where("heads"), "heads (" + std::to_string(m.n_heads) + ") must divide d_model (" +
                                        std::to_string(m.d_model) + ") when head_dim is not given");
    m.head_dim = m.d_model / m.n_heads;
  }
  validate_model_spec(m, y.file());
  return m;
}

ModelSpec load_model_spec(const std::string& path) { return parse_model_spec(YamlMap::load_file(path)); }

void validate_model_spec(const ModelSpec& m, const std::string& where) {
  auto at = [&](const std::string& key) { return where + ": " + key; };
  if (m.n_layers <= 0) throw Error(at("layers"), "must be positive");
  if (m.d_model <= 0) throw Error(at("d_model"), "must be positive");
  if (m.n_heads <= 0) throw Error(at("heads"), "must be positive");
  if (m.n_kv_heads <= 0) throw Error(at("kv_heads"), "must be positive");
  if (m.n_heads % m.n_kv_heads != 0)
    throw Error(at("kv_heads"), "kv_heads (" + std::to_string(m.n_kv_heads) + ") must divide heads (" +
                                    std::to_string(m.n_heads) + ")");
  if (m.head_dim <= 0 || m.head_dim % 2 != 0) throw Error(at("head_dim"), "must be a positive even number (RoPE rotates pairs)");
  if (m.ffn_dim <= 0) throw Error(at("ffn"), "must be positive");
  if (m.vocab <= 0) throw Error(at("vocab"), "must be positive");
  if (m.head_rows < 0 || m.head_rows > m.vocab)
    throw Error(at("head_rows"), "must lie in 1.." + std::to_string(m.vocab) + " (the vocabulary), got " + std::to_string(m.head_rows));
  if (m.context <= 0) throw Error(at("context"), "must be positive");
  const std::pair<const char*, int64_t> sizes[] = {
      {"layers", m.n_layers},   {"d_model", m.d_model}, {"heads", m.n_heads},  {"kv_heads", m.n_kv_heads},
      {"head_dim", m.head_dim}, {"heads*head_dim", m.q_dim()}, {"ffn", m.ffn_dim}, {"vocab", m.vocab},
      {"context", m.context}};
  for (const auto& [key, value] : sizes)
    for (const SizeLimit& l : kSizeLimits)
      if (std::string(l.key) == key && value > l.max)
        throw Error(at(key), "absurd size " + std::to_string(value) + " (limit " + std::to_string(l.max) +
                                 "; the largest real model has " + l.largest_real + ")");
}

}  // namespace hetspec

namespace hetspec {
void check_draft_target_pair(const ModelSpec& draft, const std::string& draft_file, const ModelSpec& target,
                             const std::string& target_file) {
  if (target.borrows_embedding)
    throw Error(target_file + ": token_embd.weight",
                "missing: this is a draft that borrows its target's embedding and LM head; it cannot be a target");
  if (target.reads_features)
    throw Error(target_file + ": " + kDraftKindKey, "\"eagle\": a draft that reads its target's features; it cannot be a target");
  if (target.head_rows > 0)
    throw Error(target_file + ": " + kHeadTokenIdsKey,
                "its LM head covers " + std::to_string(target.head_rows) + " of " + std::to_string(target.vocab) +
                    " tokens: a draft's head, it cannot verify as a target");
  if (draft.vocab != target.vocab)
    throw Error(draft_file + ": vocab", "draft vocabulary (" + std::to_string(draft.vocab) + ") differs from the target's (" +
                                            std::to_string(target.vocab) + " in " + target_file +
                                            "); speculative decoding needs one shared tokenizer");
}
}  // namespace hetspec
