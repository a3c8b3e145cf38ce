#include "hetspec/model/gguf_inspect.hpp"
#include "hetspec/core/output_stamp.hpp"
#include "hetspec/core/text_escape.hpp"
#include "hetspec/core/utf8.hpp"

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hetspec/engine/cpu/quant_blocks.hpp"
#include "hetspec/model/draft_gguf.hpp"
#include "hetspec/model/gguf_spec.hpp"

namespace hetspec {

namespace {

std::string fmt_g(double v, int digits) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*g", digits, v);
  return b;
}

std::string dims_str(const std::vector<int64_t>& d) {
  std::string s = "[";
  for (size_t k = 0; k < d.size(); ++k) s += (k ? ", " : "") + std::to_string(d[k]);
  return s + "]";
}

std::string mib(uint64_t bytes) { return fmt_g(bytes / 1048576.0, 4) + " MiB"; }

struct TypeTotal {
  int tensors = 0;
  int64_t elements = 0;
  uint64_t bytes = 0;
};

std::map<std::string, TypeTotal> totals_by_type(const GgufFile& f) {
  std::map<std::string, TypeTotal> t;
  for (const auto& x : f.tensors()) {
    auto& e = t[x.type_name()];
    e.tensors++, e.elements += x.n_elements, e.bytes += x.n_bytes;
  }
  return t;
}

struct TokenizerInfo {
  std::string model, pre;
  uint64_t tokens = 0, merges = 0;
  int64_t bos = -1, eos = -1;
};

TokenizerInfo tokenizer_info(const GgufFile& f) {
  TokenizerInfo t;
  t.model = f.get_string_or("tokenizer.ggml.model", "none");
  t.pre = f.get_string_or("tokenizer.ggml.pre", "default");
  if (f.has("tokenizer.ggml.tokens")) t.tokens = f.array_size("tokenizer.ggml.tokens");
  if (f.has("tokenizer.ggml.merges")) t.merges = f.array_size("tokenizer.ggml.merges");
  t.bos = f.get_i64_or("tokenizer.ggml.bos_token_id", -1);
  t.eos = f.get_i64_or("tokenizer.ggml.eos_token_id", -1);
  return t;
}

ModelSpec checked_spec(const GgufFile& f) {
  ModelSpec m = spec_from_gguf(f);
  validate_gguf_tensors(f, m);
  return m;
}

}  // namespace

std::string model_spec_yaml(const ModelSpec& m) {
  std::ostringstream o;
  o << "schema: hetspec.model/1\n";
  o << "name: " << yaml_scalar(m.name) << "\n";
  o << "arch: " << yaml_scalar(m.arch) << "\n";
  o << "layers: " << m.n_layers << "\n";
  o << "d_model: " << m.d_model << "\n";
  o << "heads: " << m.n_heads << "\n";
  o << "kv_heads: " << m.n_kv_heads << "\n";
  o << "head_dim: " << m.head_dim << "\n";
  o << "ffn: " << m.ffn_dim << "\n";
  o << "vocab: " << m.vocab << "\n";
  o << "context: " << m.context << "\n";
  o << "tied_embeddings: " << (m.tied_embeddings ? "true" : "false") << "\n";
  if (m.borrows_embedding) o << "borrows_embedding: true\n";
  if (m.head_rows > 0) o << "head_rows: " << m.head_rows << "\n";
  if (m.reads_features) o << "reads_features: true\n";
  o << "qkv_bias: " << (m.qkv_bias ? "true" : "false") << "\n";
  o << "rope_theta: " << fmt_g(m.rope_theta, 7) << "\n";
  o << "rms_eps: " << fmt_g(m.rms_eps, 7) << "\n";
  if (m.rope_scaling.factor > 0)
    o << "rope_scaling: {factor: " << fmt_g(m.rope_scaling.factor, 7) << ", low_freq_factor: " << fmt_g(m.rope_scaling.low_freq_factor, 7)
      << ", high_freq_factor: " << fmt_g(m.rope_scaling.high_freq_factor, 7)
      << ", original_context: " << m.rope_scaling.original_context << "}\n";
  o << "weight_dtype: " << dtype_name(m.weight_dtype) << "\n";
  if (!m.borrows_embedding) o << "embed_dtype: " << dtype_name(m.embed_dtype) << "\n";  // else the target's
  if (!m.source.empty()) o << "source: " << yaml_scalar(m.source) << "\n";
  return o.str();
}

std::string inspect_text(const GgufFile& f) {
  ModelSpec m = checked_spec(f);
  TokenizerInfo tk = tokenizer_info(f);
  std::ostringstream o;
  o << "# " << f.path() << ": GGUF v" << f.version() << ", " << f.keys().size() << " metadata keys, " << f.tensors().size()
    << " tensors, " << mib(f.file_size()) << " (alignment " << f.alignment() << ", data at " << f.data_offset() << ")\n";
  o << "# tokenizer: " << tk.model << " (pre: " << tk.pre << "), " << tk.tokens << " tokens, " << tk.merges << " merges, bos "
    << tk.bos << ", eos " << tk.eos << "\n";
  o << "# parameters: " << fmt_g(m.total_params() / 1e6, 5) << " M" << (m.borrows_embedding ? " (its own; the embedding is its target's)" : "") << "\n";
  if (m.borrows_embedding)
    o << "# draft: borrows its target's token embedding and LM head (no token_embd.weight / output.weight; hetspec draft v1)\n";
  if (m.reads_features)
    o << "# draft kind: eagle (reads its target's final normed hidden state; " << kFeatureFcTensor << " "
      << m.d_model << " x " << 2 * m.d_model << ")\n";
  if (m.head_rows > 0)
    o << "# LM head rows: " << m.head_rows << " of " << m.vocab << " tokens (" << kHeadTokenIdsKey << ")\n";
  std::map<std::string, std::string> no_kernel;  // type -> how the spec sizes it
  for (const auto& t : f.tensors())
    if (!t.dtype || !cpu_supports_dtype(*t.dtype)) no_kernel[t.type_name()] = dtype_name(cost_dtype_for_ggml(t.ggml_type));
  if (!no_kernel.empty()) {
    o << "# note: tensor types without CPU kernels in hetspec (generate cannot run this file yet):";
    for (const auto& [type, as] : no_kernel) o << " " << type << " (sized as " << as << ")";
    o << "\n";
  }
  o << model_spec_yaml(m);
  o << "#\n# tensors (dims in ggml order: row length first)\n";
  char line[512];
  std::snprintf(line, sizeof line, "# %-32s %-6s %-22s %12s\n", "name", "type", "dims", "bytes");
  o << line;
  for (const auto& t : f.tensors()) {
    std::snprintf(line, sizeof line, "# %-32s %-6s %-22s %12llu\n", t.name.c_str(), t.type_name().c_str(), dims_str(t.dims).c_str(),
                  static_cast<unsigned long long>(t.n_bytes));
    o << line;
  }
  o << "#\n# totals by type\n";
  TypeTotal all;
  for (const auto& [type, tt] : totals_by_type(f)) {
    std::snprintf(line, sizeof line, "# %-6s %5d tensors %14lld weights %12llu bytes (%s)\n", type.c_str(), tt.tensors,
                  static_cast<long long>(tt.elements), static_cast<unsigned long long>(tt.bytes), mib(tt.bytes).c_str());
    o << line;
    all.tensors += tt.tensors, all.elements += tt.elements, all.bytes += tt.bytes;
  }
  std::snprintf(line, sizeof line, "# %-6s %5d tensors %14lld weights %12llu bytes (%s)\n", "all", all.tensors,
                static_cast<long long>(all.elements), static_cast<unsigned long long>(all.bytes), mib(all.bytes).c_str());
  o << line;
  return o.str();
}

std::string inspect_json(const GgufFile& f) {
  using nlohmann::json;
  ModelSpec m = checked_spec(f);
  TokenizerInfo tk = tokenizer_info(f);
  json j;
  stamp_output(j, "hetspec.inspect/1");
  j["path"] = f.path();
  j["gguf_version"] = f.version();
  j["file_size"] = f.file_size();
  j["alignment"] = f.alignment();
  j["data_offset"] = f.data_offset();
  json s;
  s["name"] = m.name, s["arch"] = m.arch, s["layers"] = m.n_layers, s["d_model"] = m.d_model, s["heads"] = m.n_heads;
  s["kv_heads"] = m.n_kv_heads, s["head_dim"] = m.head_dim, s["ffn"] = m.ffn_dim, s["vocab"] = m.vocab, s["context"] = m.context;
  s["tied_embeddings"] = m.tied_embeddings, s["qkv_bias"] = m.qkv_bias, s["rope_theta"] = m.rope_theta, s["rms_eps"] = m.rms_eps;
  if (m.rope_scaling.factor > 0)
    s["rope_scaling"] = {{"factor", m.rope_scaling.factor}, {"low_freq_factor", m.rope_scaling.low_freq_factor},
                         {"high_freq_factor", m.rope_scaling.high_freq_factor}, {"original_context", m.rope_scaling.original_context}};
  s["weight_dtype"] = dtype_name(m.weight_dtype);
  if (!m.borrows_embedding) s["embed_dtype"] = dtype_name(m.embed_dtype);  // else the target's
  s["borrows_embedding"] = m.borrows_embedding, s["head_rows"] = m.n_logits();
  s["reads_features"] = m.reads_features;
  s["total_params"] = m.total_params();
  j["spec"] = s;
  j["spec_yaml"] = model_spec_yaml(m);
  j["tokenizer"] = {{"model", tk.model}, {"pre", tk.pre}, {"tokens", tk.tokens}, {"merges", tk.merges}, {"bos", tk.bos}, {"eos", tk.eos}};
  json meta = json::object();
  for (const auto& k : f.keys()) meta[k] = f.get(k).to_string(4);
  j["metadata"] = meta;
  json ts = json::array();
  for (const auto& t : f.tensors())
    ts.push_back({{"name", t.name}, {"type", t.type_name()}, {"dims", t.dims}, {"offset", t.offset}, {"bytes", t.n_bytes}});
  j["tensors"] = ts;
  json tot = json::object();
  for (const auto& [type, tt] : totals_by_type(f)) tot[type] = {{"tensors", tt.tensors}, {"elements", tt.elements}, {"bytes", tt.bytes}};
  j["totals"] = tot;
  return json_text(j, 2) + "\n";
}

}  // namespace hetspec
