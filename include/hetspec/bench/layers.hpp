// Attention and element-wise costs of one layer, measured inside real multi-layer passes of the
// engine (the CPU forward's stage timers; OpenCL profiling events by kernel name), so the KV cache
// and activations see the cache pressure of weights streaming past, as in use. Also counts the
// kernel launches of a layer from the engine itself.
#pragma once
#include <vector>

#include "hetspec/bench/measure.hpp"
#include "hetspec/engine/model_weights.hpp"
#include "hetspec/profile/profile.hpp"

namespace hetspec {
class ThreadPool;
}

namespace hetspec::bench {

struct LayerProfile {
  AttentionTable attention;         // per layer, grid m x n
  ElementwiseTable elementwise;     // per layer, vs m (median over n)
  int launches_per_layer = 0;       // counted from the engine, one token
  int launches_per_layer_batch = 0; // ... m > 1 tokens (0: none measured)
  int fold_max_m = 0;               // batches the engine runs with the one-token count: up to this many
  int fold_max_mk = 0;              // tokens and this / d_model (the OpenCL tuning's fuse_inputs_max_m / _mk)
  int gemm_m_tile = 0;              // OpenCL: tokens per GEMM tile past gemv_max_m and gemv_max_mk / d_model
  int gemv_max_m = 0;               // tokens (the tuning's gemm_tm, gemv_max_m, gemv_max_mk; 0 on the CPU)
  int gemv_max_mk = 0;
  double launch_gap_us = 0;         // OpenCL: per-launch wall not covered by kernel time (0 on the CPU)
};

// Runs layers [0, n_layers) of the model on m tokens after n cached positions, for each (m, n).
LayerProfile bench_cpu_layers(const ModelWeights& w, int threads, ThreadPool* pool, const std::vector<int>& ms,
                              const std::vector<int>& ns, const MeasureOptions& opt);

// Fills the tables' shape keys from a model spec.
void set_layer_keys(LayerProfile& lp, const ModelSpec& s, int threads, const std::vector<int>& ms,
                    const std::vector<int>& ns);

}  // namespace hetspec::bench
