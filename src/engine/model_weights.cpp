#include "hetspec/engine/model_weights.hpp"

#include <cstring>

#include "hetspec/core/error.hpp"

namespace hetspec {

namespace {
void check_view(const WeightView& v, int64_t rows, int64_t cols, const std::string& where, const std::string& name) {
  if (!v.data) throw Error(where, "missing tensor " + name);
  if (v.rows != rows || v.cols != cols)
    throw Error(where, "tensor " + name + " has shape (" + std::to_string(v.rows) + ", " + std::to_string(v.cols) +
                           "), expected (" + std::to_string(rows) + ", " + std::to_string(cols) + ")");
  const int bs = dtype_info(v.dtype).block_size;
  if (cols % bs != 0)
    throw Error(where, "tensor " + name + ": row length " + std::to_string(cols) + " is not a multiple of the " +
                           dtype_name(v.dtype) + " block size " + std::to_string(bs));
}
void check_vec(const float* p, const std::string& where, const std::string& name) {
  if (!p) throw Error(where, "missing tensor " + name);
}
}  // namespace

void validate_weights(const ModelWeights& w, const std::string& where) {
  const ModelSpec& s = w.spec;
  validate_model_spec(s, where);
  const int64_t d = s.d_model, qd = s.q_dim(), kvd = s.kv_dim(), f = s.ffn_dim;
  check_view(w.token_embd, s.vocab, d, where, "token_embd.weight");
  check_view(w.output, s.n_logits(), d, where, "output.weight");
  if (!w.head_token_ids.empty() && int64_t(w.head_token_ids.size()) != s.n_logits())
    throw Error(where, std::to_string(w.head_token_ids.size()) + " head token ids for a head of " + std::to_string(s.n_logits()) + " rows");
  if (w.head_token_ids.empty() && s.head_rows > 0) throw Error(where, "a head over a vocabulary subset without its token ids");
  check_vec(w.output_norm, where, "output_norm.weight");
  if (s.reads_features) check_view(w.fc, d, 2 * d, where, "hetspec_fc.weight");
  if (int64_t(w.layers.size()) != s.n_layers)
    throw Error(where, std::to_string(w.layers.size()) + " layers of weights for a spec with " +
                           std::to_string(s.n_layers));
  for (size_t l = 0; l < w.layers.size(); ++l) {
    const LayerWeights& L = w.layers[l];
    const std::string p = "blk." + std::to_string(l) + ".";
    check_vec(L.attn_norm, where, p + "attn_norm.weight");
    check_vec(L.ffn_norm, where, p + "ffn_norm.weight");
    check_view(L.wq, qd, d, where, p + "attn_q.weight");
    check_view(L.wk, kvd, d, where, p + "attn_k.weight");
    check_view(L.wv, kvd, d, where, p + "attn_v.weight");
    check_view(L.wo, d, qd, where, p + "attn_output.weight");
    check_view(L.w_gate, f, d, where, p + "ffn_gate.weight");
    check_view(L.w_up, f, d, where, p + "ffn_up.weight");
    check_view(L.w_down, d, f, where, p + "ffn_down.weight");
    if (s.qkv_bias) {
      check_vec(L.bq, where, p + "attn_q.bias");
      check_vec(L.bk, where, p + "attn_k.bias");
      check_vec(L.bv, where, p + "attn_v.bias");
    }
  }
}

WeightView gather_rows(const WeightView& w, const std::vector<int32_t>& ids, std::vector<uint8_t>& out) {
  const size_t stride = w.row_stride();
  out.resize(ids.size() * stride);
  for (size_t j = 0; j < ids.size(); ++j) {
    check(ids[j] >= 0 && ids[j] < w.rows, "gather_rows", "row " + std::to_string(ids[j]) + " outside [0, " + std::to_string(w.rows) + ")");
    std::memcpy(out.data() + j * stride, w.row(ids[j]), stride);  // (1, cols) in w.dtype
  }
  WeightView v = w;
  v.data = out.data();
  v.rows = int64_t(ids.size());
  return v;  // (n_sub, cols)
}

}  // namespace hetspec
