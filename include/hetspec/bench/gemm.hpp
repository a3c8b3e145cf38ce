// Matmul tables, the bulk of a profile: for each weight shape a model runs (Q, K and V, O, gate and
// up, down as the engine runs them: separately; and the LM head), the time of Y(m, n) = X(m, k) ·
// W(n, k)^T against m. Each timed call reads the next of several copies of the weight, together at
// least set_bytes (more than the last-level cache), so the weights come from DRAM as they do in a
// forward whose whole weight set exceeds the cache; the table records set_bytes so the cost model can
// rescale it for a model that fits (bandwidth curve).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "hetspec/bench/measure.hpp"
#include "hetspec/engine/model_weights.hpp"
#include "hetspec/profile/profile.hpp"

namespace hetspec {
class ThreadPool;
}

namespace hetspec::bench {

struct GemmShape {
  std::string name;          // "q", "k/v", "o", "gate/up", "down", "head"
  WeightView weight;         // (n, k): the model's own matrix (its bytes are copied, not modified)
  bool head = false;
};

// The distinct matmul shapes of a model (layer 0's matrices; K/V and gate/up share a shape).
std::vector<GemmShape> model_gemm_shapes(const ModelWeights& w);

// Times matmul(w, x, y, m, pool) for each m on the CPU.
KernelTable bench_cpu_gemm(const WeightView& w, const std::vector<int>& ms, int threads, ThreadPool* pool,
                           double set_bytes, const MeasureOptions& opt);

// Copies of one weight matrix, together >= set_bytes (at least one), cycled through by timed calls.
class WeightRotation {
 public:
  WeightRotation(const WeightView& w, double set_bytes);
  const WeightView& next();  // the next copy
  size_t copies() const { return views_.size(); }
  double bytes() const { return double(views_.size()) * double(row_bytes(src_.dtype, size_t(src_.cols))) * double(src_.rows); }

 private:
  WeightView src_;
  std::vector<uint8_t> data_;
  std::vector<WeightView> views_;
  size_t at_ = 0;
};

}  // namespace hetspec::bench
