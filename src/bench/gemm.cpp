#include "hetspec/bench/gemm.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "hetspec/engine/cpu/matmul.hpp"

namespace hetspec::bench {

std::vector<GemmShape> model_gemm_shapes(const ModelWeights& w) {
  const LayerWeights& L = w.layers.at(0);
  std::vector<GemmShape> s = {{"q", L.wq, false}, {"k/v", L.wk, false}, {"o", L.wo, false},
                              {"gate/up", L.w_gate, false}, {"down", L.w_down, false}};
  // Drop shapes equal to an earlier one (e.g. q and o are both (d, d) in Llama).
  std::vector<GemmShape> out;
  for (auto& g : s) {
    bool dup = false;
    for (auto& o : out)
      dup |= o.weight.rows == g.weight.rows && o.weight.cols == g.weight.cols && o.weight.dtype == g.weight.dtype;
    if (!dup) out.push_back(g);
  }
  out.push_back({"head", w.output, true});
  return out;
}

WeightRotation::WeightRotation(const WeightView& w, double set_bytes) : src_(w) {
  const size_t bytes = row_bytes(w.dtype, size_t(w.cols)) * size_t(w.rows);
  const size_t n = std::max<size_t>(1, size_t(std::ceil(set_bytes / double(bytes))));
  data_.resize(n * bytes);
  for (size_t i = 0; i < n; ++i) {
    std::memcpy(data_.data() + i * bytes, w.data, bytes);
    WeightView v = w;
    v.data = data_.data() + i * bytes;
    views_.push_back(v);
  }
}

const WeightView& WeightRotation::next() {
  const WeightView& v = views_[at_];
  at_ = (at_ + 1) % views_.size();
  return v;
}

KernelTable bench_cpu_gemm(const WeightView& w, const std::vector<int>& ms, int threads, ThreadPool* pool,
                           double set_bytes, const MeasureOptions& opt) {
  WeightRotation rot(w, set_bytes);
  const int max_m = *std::max_element(ms.begin(), ms.end());
  std::vector<float> x(size_t(max_m) * size_t(w.cols));  // (max_m, k)
  std::vector<float> y(size_t(max_m) * size_t(w.rows));  // (max_m, n)
  std::mt19937 rng(1);
  std::normal_distribution<float> g(0, 1);
  for (auto& v : x) v = g(rng);
  for (size_t i = 0; i < rot.copies(); ++i) matmul(rot.next(), x.data(), y.data(), 1, pool);  // touch every copy
  KernelTable t;
  t.k = w.cols;
  t.n = w.rows;
  t.dtype = w.dtype;
  t.threads = threads;
  t.set_bytes = rot.bytes();
  for (int m : ms) {
    Measurement r = measure(
        [&] {
          const WeightView& v = rot.next();
          auto t0 = Clock::now();
          matmul(v, x.data(), y.data(), m, pool);  // (m, n)
          return us_since(t0);
        },
        opt);
    t.m.push_back(m);
    t.us.push_back(r.median);
    t.cv.push_back(r.cv);
  }
  return t;
}

}  // namespace hetspec::bench
