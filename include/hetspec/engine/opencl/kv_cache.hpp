// KV cache on an OpenCL device for a range of layers: per layer K and V of (n_ctx, kv_heads,
// head_dim) in f16 or f32. Truncation (rollback after rejected drafts) only moves the length: rows
// past it are overwritten by the next append.
#pragma once
#include <cstdint>
#include <vector>

#include "hetspec/engine/opencl/ops.hpp"

namespace hetspec::ocl {

class ClKvCache {
 public:
  ClKvCache(Device& dev, const LayerShape& shape, int n_layers, int64_t n_ctx);
  // Writes k, v (m, kv_heads, head_dim) of `layer` at rows [length(), length() + m). Does not advance
  // the length: call advance(m) once every layer has appended (a forward appends layer by layer).
  void append(int layer, const Buffer& k, const Buffer& v, int64_t m);
  // The same append with RoPE done in the same launch: q (m, heads, head_dim) rotated in place,
  // k rotated on its way into the cache (rows from cs (m, head_dim/2, 2)).
  void rope_append(int layer, Buffer& q, const Buffer& k, const Buffer& v, const Buffer& cs, int64_t m);
  // ... for one token through a bound launch (the same q, k, v, cs buffers every call).
  void rope_append_bound(int layer, Buffer& q, const Buffer& k, const Buffer& v, const Buffer& cs, BoundLaunch& site);
  // One token's rope_append and attention in one launch (ops.hpp attn_decode): out(1, heads,
  // head_dim); q is not rotated in place. Through `site` when given (the same buffers every call).
  void rope_attend(int layer, const Buffer& q, const Buffer& k, const Buffer& v, const Buffer& cs, Buffer& out,
                   BoundLaunch* site = nullptr);
  void advance(int64_t m);
  void truncate(int64_t n);  // n <= length()
  int64_t length() const { return length_; }
  int64_t n_ctx() const { return n_ctx_; }
  const Buffer& k(int layer) const { return k_.at(layer); }
  const Buffer& v(int layer) const { return v_.at(layer); }
  const LayerShape& shape() const { return shape_; }
  size_t bytes() const;

 private:
  Device& dev_;
  LayerShape shape_;
  int64_t n_ctx_;
  int64_t length_ = 0;
  std::vector<Buffer> k_, v_;
};

}  // namespace hetspec::ocl
