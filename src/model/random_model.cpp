#include "hetspec/model/random_model.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

#include "hetspec/core/error.hpp"
#include "hetspec/engine/cpu/quant_blocks.hpp"
#include "hetspec/model/gguf_spec.hpp"

namespace hetspec {

namespace {

// splitmix64 seeding + xoshiro256** stream; Box-Muller normals. Same numbers on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& s : s_) s = splitmix(seed);
  }
  uint64_t next() {
    uint64_t r = rotl(s_[1] * 5, 7) * 9, t = s_[1] << 17;
    s_[2] ^= s_[0], s_[3] ^= s_[1], s_[1] ^= s_[2], s_[0] ^= s_[3], s_[2] ^= t, s_[3] = rotl(s_[3], 45);
    return r;
  }
  double uniform() { return ((next() >> 11) + 0.5) * 0x1.0p-53; }  // (0, 1)
  float normal() {
    if (have_spare_) {
      have_spare_ = false;
      return spare_;
    }
    double r = std::sqrt(-2.0 * std::log(uniform())), a = 2 * M_PI * uniform();
    spare_ = static_cast<float>(r * std::sin(a));
    have_spare_ = true;
    return static_cast<float>(r * std::cos(a));
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t splitmix(uint64_t& x) {
    uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint64_t s_[4];
  float spare_ = 0;
  bool have_spare_ = false;
};

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

std::vector<float> normals(uint64_t seed, const std::string& name, size_t n, float sigma) {
  Rng rng(seed ^ fnv1a(name));  // one stream per tensor: values do not depend on tensor order
  std::vector<float> v(n);
  for (auto& x : v) x = sigma * rng.normal();
  return v;
}

std::string utf8(uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return s;
}

const char* kChatMl =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + "
    "'\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

}  // namespace

std::string gpt2_byte_token(uint8_t b) {
  auto printable = [](int c) { return (c >= 33 && c <= 126) || (c >= 161 && c <= 172) || (c >= 174 && c <= 255); };
  if (printable(b)) return utf8(b);
  int n = 0;  // non-printable bytes map to 256 + their rank among non-printable bytes
  for (int c = 0; c < b; ++c)
    if (!printable(c)) ++n;
  return utf8(256 + n);
}

void add_byte_level_tokenizer(GgufWriter& w, int vocab, const std::string& pre) {
  if (vocab < 259) throw Error("vocab", "must be at least 259 for the byte-level test tokenizer, got " + std::to_string(vocab));
  std::vector<std::string> tokens = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
  std::vector<int32_t> types = {3, 3, 3};  // llama.cpp token types: 1 normal, 3 control
  for (int b = 0; b < 256; ++b) tokens.push_back(gpt2_byte_token(static_cast<uint8_t>(b))), types.push_back(1);
  const std::string G = gpt2_byte_token(' ');  // "Ġ"
  const std::vector<std::pair<std::string, std::string>> merges = {
      {G, "t"}, {G, "a"}, {"h", "e"}, {"i", "n"}, {"r", "e"}, {"o", "n"}, {G + "t", "he"}, {"e", "r"}, {G, "s"}, {"a", "n"}};
  std::vector<std::string> merge_strings;
  for (const auto& [a, b] : merges) {
    if (static_cast<int>(tokens.size()) >= vocab) break;
    merge_strings.push_back(a + " " + b);
    tokens.push_back(a + b);
    types.push_back(1);
  }
  for (int k = 0; static_cast<int>(tokens.size()) < vocab; ++k) tokens.push_back("<unused_" + std::to_string(k) + ">"), types.push_back(1);
  w.set_string("tokenizer.ggml.model", "gpt2");
  w.set_string("tokenizer.ggml.pre", pre);
  w.set_string_array("tokenizer.ggml.tokens", tokens);
  w.set_i32_array("tokenizer.ggml.token_type", types);
  w.set_string_array("tokenizer.ggml.merges", merge_strings);
  w.set_u32("tokenizer.ggml.bos_token_id", 1);
  w.set_u32("tokenizer.ggml.eos_token_id", 2);
  w.set_u32("tokenizer.ggml.unknown_token_id", 0);
  w.set_u32("tokenizer.ggml.padding_token_id", 2);
  w.set_bool("tokenizer.ggml.add_bos_token", false);
  w.set_string("tokenizer.chat_template", kChatMl);
}

std::vector<float> llama3_rope_factors(const ModelSpec& m) {
  const RopeScaling& r = m.rope_scaling;
  std::vector<float> out;
  double low_wavelen = r.original_context / r.low_freq_factor, high_wavelen = r.original_context / r.high_freq_factor;
  for (int i = 0; i < m.head_dim; i += 2) {
    double freq = 1.0 / std::pow(m.rope_theta, double(i) / m.head_dim);
    double wavelen = 2 * M_PI / freq;
    if (wavelen < high_wavelen) {
      out.push_back(1.f);
    } else if (wavelen > low_wavelen) {
      out.push_back(static_cast<float>(r.factor));
    } else {
      double smooth = (r.original_context / wavelen - r.low_freq_factor) / (r.high_freq_factor - r.low_freq_factor);
      out.push_back(static_cast<float>(1.0 / ((1 - smooth) / r.factor + smooth)));
    }
  }
  return out;
}

GgufWriter random_model_writer(const ModelSpec& m, uint64_t seed, std::optional<DType> dtype) {
  validate_model_spec(m, m.name.empty() ? "model" : m.name);
  DType wt = dtype.value_or(m.weight_dtype), et = dtype.value_or(m.embed_dtype);
  for (DType t : {wt, et})
    if (!cpu_supports_dtype(t))
      throw Error(m.name + ": dtype", std::string("cannot write ") + dtype_name(t) + " weights (f32, f16, bf16, q8_0, q4_0, q4_1)");
  GgufWriter w;
  const std::string& a = m.arch;
  w.set_string("general.architecture", a);
  w.set_string("general.name", m.name);
  w.set_u32("general.file_type", static_cast<uint32_t>(llama_file_type(wt)));
  w.set_u32("general.quantization_version", 2);
  w.set_u32(a + ".vocab_size", m.vocab);
  w.set_u32(a + ".context_length", m.context);
  w.set_u32(a + ".embedding_length", m.d_model);
  w.set_u32(a + ".block_count", m.n_layers);
  w.set_u32(a + ".feed_forward_length", m.ffn_dim);
  w.set_u32(a + ".attention.head_count", m.n_heads);
  w.set_u32(a + ".attention.head_count_kv", m.n_kv_heads);
  w.set_u32(a + ".attention.key_length", m.head_dim);
  w.set_u32(a + ".attention.value_length", m.head_dim);
  w.set_u32(a + ".rope.dimension_count", m.head_dim);
  w.set_f32(a + ".rope.freq_base", static_cast<float>(m.rope_theta));
  w.set_f32(a + ".attention.layer_norm_rms_epsilon", static_cast<float>(m.rms_eps));
  if (m.rope_scaling.factor > 0) w.set_u32(a + ".rope.scaling.original_context_length", m.rope_scaling.original_context);
  add_byte_level_tokenizer(w, m.vocab, a == "qwen2" ? "qwen2" : "smollm");

  for (const auto& e : expected_tensors(m)) {
    size_t n = 1;
    for (int64_t d : e.dims) n *= static_cast<size_t>(d);
    const bool is_vector = e.dims.size() == 1;
    if (e.name == kRopeFreqsTensor) {
      if (m.rope_scaling.factor > 0) w.add_tensor_f32(e.name, DType::F32, e.dims, llama3_rope_factors(m));
    } else if (is_vector && e.name.find(".bias") != std::string::npos) {
      w.add_tensor_f32(e.name, DType::F32, e.dims, normals(seed, e.name, n, 0.02f));
    } else if (is_vector) {  // RMSNorm weights
      w.add_tensor_f32(e.name, DType::F32, e.dims, std::vector<float>(n, 1.f));
    } else {
      bool embed = e.name == kTokenEmbdTensor || e.name == kOutputTensor;
      float sigma = 1.f / std::sqrt(static_cast<float>(e.dims[0]));
      w.add_tensor_f32(e.name, embed ? et : wt, e.dims, normals(seed, e.name, n, sigma));
    }
  }
  return w;
}

void check_random_model_fits(const ModelSpec& spec, std::optional<DType> dtype, const std::string& where) {
  validate_model_spec(spec, where);  // bounded sizes: the byte counts below are finite and exact enough
  ModelSpec m = spec;
  if (dtype) m.weight_dtype = m.embed_dtype = *dtype;
  const bool own_head = !m.tied_embeddings || m.head_rows > 0;
  const double bytes = m.n_layers * m.layer_bytes() + (m.borrows_embedding ? 0 : m.embedding_bytes()) +
                       (own_head ? m.head_bytes() : 0);
  // Plus the f32 staging of the largest matrix while it is quantised.
  const double staging = 4.0 * double(m.d_model) * double(std::max<int64_t>({m.n_logits(), m.ffn_dim, m.q_dim()}));
  const double ram = double(::sysconf(_SC_PHYS_PAGES)) * double(::sysconf(_SC_PAGE_SIZE));
  if (ram > 0 && bytes + staging > ram) {
    char msg[160];
    std::snprintf(msg, sizeof msg, "too large to write: needs ~%.1f GB of memory, this machine has %.1f GB",
                  (bytes + staging) / 1e9, ram / 1e9);
    throw Error(where, msg);
  }
}

void make_random_model(const ModelSpec& spec, uint64_t seed, std::optional<DType> dtype, const std::string& out_path) {
  check_random_model_fits(spec, dtype, spec.name.empty() ? "model" : spec.name);
  random_model_writer(spec, seed, dtype).write(out_path);
}

}  // namespace hetspec
