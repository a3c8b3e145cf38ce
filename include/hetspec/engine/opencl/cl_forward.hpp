// The transformer forward on one OpenCL device, mirroring CpuForward's stages (embed, a contiguous
// layer range, head) so a plan can put the whole model or a layer range on a GPU. Weights of the
// range (and the embedding / head when asked) are uploaded once, in their GGUF dtype; the hidden
// state stays on the device between stages. Hand-offs to and from the host are timed.
#pragma once
#include <cstdint>
#include <vector>

#include "hetspec/engine/model_weights.hpp"
#include "hetspec/engine/opencl/kv_cache.hpp"
#include "hetspec/engine/opencl/ops.hpp"
#include "hetspec/engine/rope.hpp"

namespace hetspec::ocl {

struct ClForwardOptions {
  int l0 = 0, l1 = -1;     // layers [l0, l1) run here (-1: to the last)
  bool embed = true;       // upload token_embd and run the embedding here
  bool head = true;        // upload output_norm + output and run the LM head here
  int max_batch = 64;      // most tokens per step (longer inputs are chunked)
  int capacity = 0;        // KV positions (0: the model's context, at most 4096)
  bool kv_f16 = true;
  // Fused layer (6 launches for one token: norm+QKV, rope+KV append, attention, output+residual,
  // norm+gate/up, SwiGLU+down+residual; 9 for a batch, or where the device's tuning keeps norm and
  // SwiGLU apart) instead of one launch per op (16-17): on a GPU a launch costs microseconds, as
  // much as a small model's whole matmul. false keeps the op-by-op forward (so does the tuning key
  // fuse_layers: false).
  bool fused = true;
};

struct HandoffStats {
  int count = 0;
  double seconds = 0;  // host wall time of the transfers, clFinish included
  double bytes = 0;
};

class ClForward {
 public:
  ClForward(Device& dev, const ModelWeights& w, const ClForwardOptions& opt);

  const ModelSpec& spec() const { return w_.spec; }
  int l0() const { return l0_; }
  int l1() const { return l1_; }
  int max_batch() const { return opt_.max_batch; }
  ClKvCache& kv() { return kv_; }
  size_t weight_bytes() const { return weight_bytes_; }

  // Device hidden state x (m, d) = embedding rows of tokens (range-checked). m <= max_batch.
  void embed(const int32_t* tokens, int m);
  // Hand-offs of the hidden state (m, d) between host and device (timed).
  void upload_hidden(const float* x, int m);
  void download_hidden(float* x, int m);
  // Layers [l0, l1) on the device hidden state of m <= max_batch tokens at positions pos0...
  // pos0 <= kv().length(); an earlier pos0 rolls the cache back first (rejected drafts).
  void run_layers(int m, int pos0);
  // Final norm + LM head of the last `rows` of the m device rows -> host logits (rows, n_logits):
  // the vocabulary, or the subset a draft's head covers (an `output` of n_sub rows).
  void head(int m, int rows, float* logits);
  // The same head, then each row's argmax on the device (argmax_rows): ids(rows) the columns of the
  // rows' first maxima; reads back rows ints, not the logits.
  void head_argmax(int m, int rows, int32_t* ids);
  // Host memory for `floats` logits that head() fills by a direct (pinned) transfer: this forward's
  // pinned buffer when the tuning's pinned_logits is on and it is large enough, else nullptr. Valid
  // until the next forward through this object.
  float* pinned_logits(size_t floats) {
    return logits_pin_.bytes() >= floats * sizeof(float) ? static_cast<float*>(logits_pin_.data()) : nullptr;
  }
  // Whole model here (needs embed, all layers, head): logits (logit_rows, n_logits) of the last rows.
  const float* forward(const int32_t* tokens, int m, int pos0, int logit_rows = 1);
  void truncate(int n) { kv_.truncate(n); }

  // The largest batch whose layers fold RMSNorm / SwiGLU into the matmuls (6 launches a layer, not
  // 9): 0 without folding, 1 for one-token forwards only; from the tuning's fuse_inputs_max_m and
  // fuse_inputs_max_mk (m * d_model) bounds. gemv_max_m: the largest batch whose matmuls run as that
  // many GEMVs in one launch (gemv_max_m, gemv_max_mk).
  int fold_max_m() const { return fold_max_m_; }
  int gemv_max_m() const { return gemv_max_m_; }

  const HandoffStats& uploads() const { return up_; }
  const HandoffStats& downloads() const { return down_; }

 private:
  ClWeight up(const WeightView& v, const std::string& name);
  Buffer vec(const float* p, int64_t n, const std::string& name);

  Device& dev_;
  const ModelWeights& w_;
  ClForwardOptions opt_;
  bool fuse_in_;  // fused layers fold RMSNorm / SwiGLU into the matmuls (the device's fuse_inputs)
  int fold_max_m_;  // ... for forwards of at most this many tokens
  int gemv_max_m_;  // batches of at most this many tokens run their matmuls as GEMVs
  int l0_, l1_;
  LayerShape shape_;
  Rope rope_;
  struct Layer {
    Buffer attn_norm, ffn_norm, bq, bk, bv;
    ClWeight wq, wk, wv, wo, w_gate, w_up, w_down;
    ClWeight wqkv, w_gu;  // fused: [wq; wk; wv] and [w_gate; w_up] when each set shares a dtype
    // The one-token fused layer's launches with their arguments set once (ops.hpp BoundLaunch).
    BoundLaunch qkv_b, rope_b, attn_b, dec_b, o_b, gu_b, down_b;
  };
  void run_layer_ops(Layer& L, int li, int m, int pos0);    // op by op
  void run_layer_fused(Layer& L, int li, int m, int pos0);  // few launches (bound ones for one token)
  std::vector<Layer> layers_;
  ClWeight embd_, output_;
  BoundLaunch head_b_;  // the one-row fused head
  Buffer output_norm_;
  ClKvCache kv_;
  size_t weight_bytes_ = 0;
  // Activations (max_batch rows) and scratch.
  void head_logits(int m, int rows);  // the head's launches: logits_ (rows, n_logits) on the device
  float* host_logits(size_t floats);  // pinned_logits(floats), else logits_host_ grown to them
  Buffer x_, xn_, q_, k_, v_, att_, proj_, gate_, upb_, cs_, tok_, scratch_, logits_, ids_;
  std::vector<float> cs_host_;       // (max_batch, head_dim/2, 2)
  std::vector<int32_t> tok_host_;    // (max_batch)
  std::vector<float> logits_host_;  // forward's logits where they exceed logits_pin_
  PinnedHost logits_pin_;            // (max_batch, n_logits), when the tuning's pinned_logits is on
  Event tok_up_, cs_up_;             // the last uploads from tok_host_ / cs_host_
  HandoffStats up_, down_;
};

}  // namespace hetspec::ocl
