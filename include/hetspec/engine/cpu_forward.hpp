// The CPU transformer forward pass of a Llama-family decoder, readable top to bottom:
//   embed -> per layer [RMSNorm, Q/K/V (+bias), RoPE, causal GQA attention over the KV cache,
//   O, residual, RMSNorm, SwiGLU FFN, residual] -> final RMSNorm -> LM head.
// One code path serves decode (m = 1), prefill and verification (m > 1): token i of a call sits at
// position pos0 + i and attends to cache positions [0, pos0 + i]. The three stages are separate
// calls so a plan can split layers across devices ([l0, l1) ranges hand over the hidden state)
// or self-draft with the first k layers. Scratch buffers are allocated once, in the constructor
// (attention keeps small per-chunk score buffers). Kernels: matmul + CpuOps (cpu/matmul.hpp, cpu/ops.hpp).
// Lives outside engine/cpu/, which holds only the kernels (the kernels-only aarch64 build globs it).
#pragma once
#include <cstdint>
#include <vector>

#include "hetspec/engine/cpu/ops.hpp"
#include "hetspec/engine/kv_cache.hpp"
#include "hetspec/engine/model_weights.hpp"
#include "hetspec/engine/rope.hpp"

namespace hetspec {

class ThreadPool;

// Wall time of run_layers' stages, summed over layers and calls (hetspec profile reads attention and
// element-wise costs inside real forwards, where the weights stream past the cache as they do in use).
struct StageTimes {
  double matmul_s = 0;       // Q, K, V, O, gate, up, down
  double attention_s = 0;    // scores, softmax, weighted sum over the KV cache
  double elementwise_s = 0;  // norms, biases, RoPE + KV write, residual adds, silu·mul
  int64_t dispatches = 0;    // kernel calls (each a pass of the thread pool or of the calling thread)
};

class CpuForward {
 public:
  // weights must outlive this object. max_batch: most tokens per internal step (longer inputs are
  // processed in chunks). pool == nullptr runs on the calling thread.
  CpuForward(const ModelWeights& weights, int max_batch = 64, ThreadPool* pool = nullptr);

  const ModelSpec& spec() const { return w_.spec; }
  const ModelWeights& weights() const { return w_; }
  int max_batch() const { return max_batch_; }
  // A cache shaped for this model: capacity positions of layers [l0, l1) (default: all).
  KvCache make_cache(int capacity, int l0 = 0, int l1 = -1) const;
  // Tests: use matmul_ref (exact f32 dots of dequantized rows) instead of the fast kernels, which
  // quantize activations to 8 bits per block for quantized weights as llama.cpp does.
  void set_reference_matmul(bool on) { reference_matmul_ = on; }
  // Batch-invariant mode: attention of an m-token forward sums each row in the one-token order, so
  // row i of it is bit-equal to a one-token forward at that position (the matmuls already are: each
  // output row is its own dot products). Exactness tests of speculative decoding use it; the default
  // keeps llama.cpp's batched order (bit-equal to llama.cpp's logits_all).
  void set_batch_invariant(bool on) { batch_invariant_ = on; }
  bool batch_invariant() const { return batch_invariant_; }
  // Profiling: when set, run_layers adds its stages' wall times here (nullptr: off, no clock reads).
  void set_stage_times(StageTimes* t) { stages_ = t; }

  // x (m, d) = rows of token_embd, dequantized. Token ids are range-checked.
  void embed(const int32_t* tokens, int m, float* x) const;
  // Layers [l0, l1) on the hidden state x (m, d), in place. Writes K/V of positions
  // [pos0, pos0 + m) of those layers into kv and sets their length to pos0 + m (positions after
  // that were computed against the overwritten ones, so they are dropped).
  // Requires pos0 <= kv.length(l) for every layer l in range (no holes) and pos0 + m <= capacity.
  void run_layers(float* x, int m, int pos0, int l0, int l1, KvCache& kv);
  // Final RMSNorm + LM head: x (rows, d) -> logits (rows, n_logits). x is not modified. n_logits is
  // the vocabulary, or the subset a draft's head covers (weights().head_token_ids maps columns to tokens).
  void head(const float* x, int rows, float* logits);

  // Whole model: embed, all layers, head on the last `logit_rows` of the m tokens
  // (1 for prefill/decode, m for verification). Returns (logit_rows, n_logits), valid until the next call.
  // n_layers < 0: all; else only layers [0, n_layers) before the head (a self-draft).
  // features (m, d): a feature-reading draft's g_{i-1} for each token (spec().reads_features; required
  // then, refused otherwise): the first layer's input is fc · [embed(t_i); g_{i-1}].
  const float* forward(const int32_t* tokens, int m, int pos0, KvCache& kv, int logit_rows = 1, int n_layers = -1,
                       const float* features = nullptr);
  // When on, forward() also keeps the head's input of every row, the final RMSNorm of the hidden
  // state (what a feature-reading draft reads): features() is (m, d) of the last forward.
  void set_keep_features(bool on) { keep_features_ = on; }
  bool keep_features() const { return keep_features_; }
  const float* features() const { return feat_.data(); }

 private:
  // q_ -> att_; batched: sum in the order llama.cpp uses for a batch of several tokens.
  void attention(int layer, int m, int pos0, KvCache& kv, bool batched);
  void check_tokens(const int32_t* tokens, int m) const;
  void mm(const WeightView& w, const float* x, float* y, int m);  // y (m, w.rows) = x (m, w.cols) · w^T
  // Several weights over one input in one pass of the pool (QKV, gate/up): x quantized once, one wait.
  void mm_many(const WeightView* const* ws, float* const* ys, int count, const float* x, int m);

  const ModelWeights& w_;
  int max_batch_;
  ThreadPool* pool_;
  bool reference_matmul_ = false;
  bool batch_invariant_ = false;
  bool forward_batched_ = false;
  bool keep_features_ = false;
  StageTimes* stages_ = nullptr;  // forward() of m > 1 tokens in progress (its chunks may hold 1)
  const CpuOps& ops_;  // the best path's element-wise kernels
  Rope rope_;
  // Scratch, sized for max_batch rows.
  std::vector<float> x_;       // (max_batch, d)      hidden state of forward()
  std::vector<float> xn_;      // (max_batch, d)      normed input of a sub-block
  std::vector<float> q_;       // (max_batch, q_dim)
  std::vector<float> k_;       // (max_batch, kv_dim)
  std::vector<float> v_;       // (max_batch, kv_dim)
  std::vector<float> att_;     // (max_batch, q_dim)  attention output, heads concatenated
  std::vector<float> proj_;    // (max_batch, d)      output of O / down projections
  std::vector<float> gate_;    // (max_batch, f)
  std::vector<float> up_;      // (max_batch, f)
  std::vector<float> cs_;      // (max_batch, head_dim)  rope cos/sin per token
  std::vector<float> hidden_;  // (logit_rows, d) rows kept for the head by forward()
  std::vector<float> cat_;     // (max_batch, 2d)    [embed; feature] rows of a feature-reading draft
  std::vector<float> feat_;    // (m, d)             head inputs of the last forward (keep_features_)
  std::vector<float> logits_;  // (logit_rows, n_logits) grown on demand
};

}  // namespace hetspec
