#include "hetspec/model/gguf_spec.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "hetspec/core/error.hpp"
#include "hetspec/model/draft_gguf.hpp"

namespace hetspec {

namespace {

int positive_int(const GgufFile& f, const std::string& key) {
  int64_t v = f.get_i64(key);
  if (v <= 0 || v > (int64_t(1) << 30)) throw Error(f.where(key), "must be a positive integer below 2^30, got " + std::to_string(v));
  return static_cast<int>(v);
}

// A number stored as f32 (rms_eps 1e-5 is 9.99999975e-06 there) as the shortest decimal that
// reads back to the same float, so specs from GGUF compare equal to the published configs.
double decimal_f64_or(const GgufFile& f, const std::string& key, double fallback) {
  if (!f.has(key)) return fallback;
  if (f.get(key).type != GgufType::F32) return f.get_f64(key);
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf - 1, f.get_f32(key));
  *r.ptr = '\0';
  return std::strtod(buf, nullptr);
}

// A real-valued key that must be finite and > 0: inf or NaN is an error naming the key, never a
// silent inf in RoPE or a NaN that every later comparison lets through.
double finite_positive_or(const GgufFile& f, const std::string& key, double fallback) {
  const double v = decimal_f64_or(f, key, fallback);
  if (!std::isfinite(v) || !(v > 0)) throw Error(f.where(key), "must be a finite positive number, got " + std::to_string(v));
  return v;
}

// A count that must fit an int (1..2^30): a 2^40 context is an error, not a cast to 0.
int positive_int_or(const GgufFile& f, const std::string& key, int fallback) {
  return f.has(key) ? positive_int(f, key) : fallback;
}

DType dtype_of(const GgufTensor& t) { return t.dtype ? *t.dtype : cost_dtype_for_ggml(t.ggml_type); }

// The dtype holding the most weights among the layer matrices "blk.*" of 2 dims.
DType layer_weight_dtype(const GgufFile& f) {
  std::map<DType, int64_t> weights;
  for (const auto& t : f.tensors())
    if (t.name.rfind("blk.", 0) == 0 && t.dims.size() == 2) weights[dtype_of(t)] += t.n_elements;
  if (weights.empty()) throw Error(f.where("blk.0.ffn_down.weight"), "missing tensor (no layer matrices to find the weight dtype)");
  auto best = weights.begin();
  for (auto it = weights.begin(); it != weights.end(); ++it)
    if (it->second > best->second) best = it;
  return best->first;
}

std::string slug(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '.' || c == '_') out += static_cast<char>(std::tolower(c));
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

void read_rope_scaling(const GgufFile& f, const std::string& arch, ModelSpec& m) {
  const std::string pre = arch + ".rope.scaling.";
  std::string type = f.get_string_or(pre + "type", "");
  double factor = decimal_f64_or(f, pre + "factor", 0);
  if (type == "" || type == "none") {
    if (const GgufTensor* t = f.find_tensor(kRopeFreqsTensor)) {
      std::vector<float> v = f.tensor_f32(t->name);
      for (float x : v)
        if (!std::isfinite(x) || !(x > 0)) throw Error(f.where(t->name), "rope factors must be finite and positive, got " + std::to_string(x));
      float mx = v.empty() ? 1.f : *std::max_element(v.begin(), v.end());
      if (mx > 1.f) {
        m.rope_scaling.factor = mx;
        m.rope_scaling.original_context = positive_int_or(f, pre + "original_context_length", 8192);
      }
    }
    return;
  }
  if (type == "llama3") {
    if (!f.has(pre + "factor")) throw Error(f.where(pre + "factor"), "llama3 rope scaling needs a positive factor");
    m.rope_scaling.factor = finite_positive_or(f, pre + "factor", 0);
    m.rope_scaling.original_context = positive_int_or(f, pre + "original_context_length", 8192);
    m.rope_scaling.low_freq_factor = finite_positive_or(f, pre + "low_freq_factor", 1);
    m.rope_scaling.high_freq_factor = finite_positive_or(f, pre + "high_freq_factor", 4);
    return;
  }
  if (factor == 0 || factor == 1) return;  // a scaling type with factor 1 changes nothing
  throw Error(f.where(pre + "type"), "unsupported rope scaling '" + type + "' (factor " + std::to_string(factor) + ")");
}

}  // namespace

ModelSpec spec_from_gguf(const GgufFile& f) {
  ModelSpec m;
  m.arch = f.get_string("general.architecture");
  if (m.arch != "llama" && m.arch != "qwen2")
    throw Error(f.where("general.architecture"), "unknown architecture '" + m.arch + "' (supported: llama, qwen2)");
  const std::string& a = m.arch;
  std::string name = f.get_string_or("general.name", "");
  if (name.empty()) name = std::filesystem::path(f.path()).stem().string();
  m.name = slug(name);
  if (m.name.empty()) m.name = "model";
  m.n_layers = positive_int(f, a + ".block_count");
  m.d_model = positive_int(f, a + ".embedding_length");
  m.ffn_dim = positive_int(f, a + ".feed_forward_length");
  m.n_heads = positive_int(f, a + ".attention.head_count");
  m.n_kv_heads = f.has(a + ".attention.head_count_kv") ? positive_int(f, a + ".attention.head_count_kv") : m.n_heads;
  m.context = positive_int(f, a + ".context_length");
  m.rope_theta = finite_positive_or(f, a + ".rope.freq_base", 10000.0);
  m.rms_eps = finite_positive_or(f, a + ".attention.layer_norm_rms_epsilon", 1e-5);

  if (f.has(a + ".attention.key_length")) {
    m.head_dim = positive_int(f, a + ".attention.key_length");
    if (f.has(a + ".attention.value_length") && positive_int(f, a + ".attention.value_length") != m.head_dim)
      throw Error(f.where(a + ".attention.value_length"), "differs from key_length (not a Llama-family model)");
  } else {
    if (m.d_model % m.n_heads != 0)
      throw Error(f.where(a + ".attention.head_count"), "does not divide embedding_length and no key_length is given");
    m.head_dim = m.d_model / m.n_heads;
  }
  if (m.n_heads % m.n_kv_heads != 0)
    throw Error(f.where(a + ".attention.head_count_kv"), std::to_string(m.n_kv_heads) + " KV heads do not divide " +
                                                             std::to_string(m.n_heads) + " attention heads");
  if (m.head_dim % 2 != 0) throw Error(f.where(a + ".attention.key_length"), "head dimension " + std::to_string(m.head_dim) + " is odd (RoPE rotates pairs)");
  if (f.has(a + ".rope.dimension_count") && positive_int(f, a + ".rope.dimension_count") != m.head_dim)
    throw Error(f.where(a + ".rope.dimension_count"), "partial rotary embeddings (rope dims " +
                                                         std::to_string(f.get_i64(a + ".rope.dimension_count")) + " != head dim " +
                                                         std::to_string(m.head_dim) + ") are not supported");

  if (f.has("tokenizer.ggml.tokens")) {
    uint64_t n = f.array_size("tokenizer.ggml.tokens");
    if (n == 0 || n > (1u << 30)) throw Error(f.where("tokenizer.ggml.tokens"), "absurd vocabulary size " + std::to_string(n));
    m.vocab = static_cast<int>(n);
  } else if (f.has(a + ".vocab_size")) {
    m.vocab = positive_int(f, a + ".vocab_size");
  } else if (const GgufTensor* e = f.find_tensor(kTokenEmbdTensor); e && e->dims.size() == 2) {
    m.vocab = static_cast<int>(e->dims[1]);
  } else {
    throw Error(f.where("tokenizer.ggml.tokens"), "missing metadata key (no vocabulary size either)");
  }

  m.tied_embeddings = f.find_tensor(kOutputTensor) == nullptr;
  m.qkv_bias = f.find_tensor(layer_tensor_names(0).attn_q_bias) != nullptr || a == "qwen2";
  m.weight_dtype = layer_weight_dtype(f);
  // A hetspec draft v1 (model/draft_gguf.hpp) has neither token_embd nor output: it reads its
  // target's, whose dtype and tying borrowing_draft_spec fills in once the pair is known.
  m.borrows_embedding = f.find_tensor(kTokenEmbdTensor) == nullptr;
  if (m.borrows_embedding && f.find_tensor(kOutputTensor))
    throw Error(f.where(kTokenEmbdTensor), "missing tensor (a draft without a token embedding borrows its target's LM head "
                                           "too, but this file has its own output.weight)");
  m.embed_dtype = m.borrows_embedding ? m.weight_dtype : dtype_of(f.tensor(kTokenEmbdTensor));
  m.head_rows = int(read_head_token_ids(f, m.vocab).size());
  m.reads_features = read_draft_kind(f);
  read_rope_scaling(f, a, m);
  m.source = f.path();
  validate_model_spec(m, f.path());
  return m;
}

LayerTensorNames layer_tensor_names(int layer) {
  const std::string p = "blk." + std::to_string(layer) + ".";
  LayerTensorNames n;
  n.attn_norm = p + "attn_norm.weight";
  n.attn_q = p + "attn_q.weight";
  n.attn_k = p + "attn_k.weight";
  n.attn_v = p + "attn_v.weight";
  n.attn_output = p + "attn_output.weight";
  n.attn_q_bias = p + "attn_q.bias";
  n.attn_k_bias = p + "attn_k.bias";
  n.attn_v_bias = p + "attn_v.bias";
  n.ffn_norm = p + "ffn_norm.weight";
  n.ffn_gate = p + "ffn_gate.weight";
  n.ffn_up = p + "ffn_up.weight";
  n.ffn_down = p + "ffn_down.weight";
  return n;
}

std::vector<ExpectedTensor> expected_tensors(const ModelSpec& m) {
  const int64_t d = m.d_model, q = m.q_dim(), kv = m.kv_dim(), ff = m.ffn_dim, V = m.vocab;
  std::vector<ExpectedTensor> out;
  if (!m.borrows_embedding) out.push_back({kTokenEmbdTensor, {d, V}});  // a borrowing draft reads its target's
  for (int l = 0; l < m.n_layers; ++l) {
    LayerTensorNames n = layer_tensor_names(l);
    out.push_back({n.attn_norm, {d}});
    out.push_back({n.attn_q, {d, q}});    // (q_dim, d_model)
    out.push_back({n.attn_k, {d, kv}});   // (kv_dim, d_model)
    out.push_back({n.attn_v, {d, kv}});
    if (m.qkv_bias) {
      out.push_back({n.attn_q_bias, {q}});
      out.push_back({n.attn_k_bias, {kv}});
      out.push_back({n.attn_v_bias, {kv}});
    }
    out.push_back({n.attn_output, {q, d}});  // (d_model, q_dim)
    out.push_back({n.ffn_norm, {d}});
    out.push_back({n.ffn_gate, {d, ff}});    // (ffn, d_model)
    out.push_back({n.ffn_up, {d, ff}});
    out.push_back({n.ffn_down, {ff, d}});    // (d_model, ffn)
  }
  if (m.reads_features) out.push_back({kFeatureFcTensor, {2 * d, d}});  // (d_model, 2 d_model)
  out.push_back({kOutputNormTensor, {d}});
  if (!m.tied_embeddings && !m.borrows_embedding) out.push_back({kOutputTensor, {d, V}});
  out.push_back({kRopeFreqsTensor, {m.head_dim / 2}, false});
  return out;
}

namespace {
// 1 + the largest N of the "blk.N.*" tensors (0 when none); an index too long to be a layer counts as huge.
int64_t layers_present(const GgufFile& f) {
  int64_t n = 0;
  for (const auto& t : f.tensors()) {
    if (t.name.rfind("blk.", 0) != 0) continue;
    const size_t end = t.name.find('.', 4);
    const std::string idx = t.name.substr(4, end == std::string::npos ? std::string::npos : end - 4);
    if (idx.empty() || idx.size() > 9 || idx.find_first_not_of("0123456789") != std::string::npos)
      throw Error(f.where(t.name), "not a layer tensor name (expected blk.<layer>.<name>)");
    n = std::max<int64_t>(n, std::stoll(idx) + 1);
  }
  return n;
}
}  // namespace

void validate_gguf_tensors(const GgufFile& f, const ModelSpec& m) {
  if (const int64_t present = layers_present(f); present != m.n_layers)
    throw Error(f.where(m.arch + ".block_count"), std::to_string(m.n_layers) + " layers, but the file has tensors of " +
                                                      std::to_string(present) + " (blk.0 .. blk." + std::to_string(present - 1) + ")");
  for (const auto& e : expected_tensors(m)) {
    if (!f.find_tensor(e.name)) {
      if (!e.required) continue;
      throw Error(f.where(e.name), "missing tensor (required by " + m.arch + " with " + std::to_string(m.n_layers) + " layers)");
    }
    f.check_dims(e.name, e.dims);
  }
}

DType cost_dtype_for_ggml(int ggml_type) {
  if (auto d = dtype_from_ggml(ggml_type)) return *d;
  auto traits = ggml_type_traits(ggml_type);
  double bpw = traits ? double(traits->block_bytes) / traits->block_size : 4.0;
  DType best = DType::F32;
  for (DType d : {DType::F32, DType::F16, DType::BF16, DType::Q8_0, DType::Q4_0, DType::Q4_1, DType::Q4_K, DType::Q5_K, DType::Q6_K})
    if (std::fabs(bytes_per_weight(d) - bpw) < std::fabs(bytes_per_weight(best) - bpw)) best = d;
  return best;
}

int llama_file_type(DType t) {
  switch (t) {
    case DType::F32: return 0;
    case DType::F16: return 1;
    case DType::Q4_0: return 2;
    case DType::Q4_1: return 3;
    case DType::Q8_0: return 7;
    case DType::Q4_K: return 15;  // Q4_K_M
    case DType::Q5_K: return 17;  // Q5_K_M
    case DType::Q6_K: return 18;
    case DType::BF16: return 32;
    default: return -1;
  }
}

}  // namespace hetspec
