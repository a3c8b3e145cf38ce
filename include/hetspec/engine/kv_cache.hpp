// Key/value cache of one sequence, f16, for a contiguous range of layers [layer_begin, layer_end).
// Speculative decoding writes drafted positions and must roll back the rejected ones: truncate(n)
// forgets everything at positions >= n (O(1): entries are simply overwritten later). Each layer
// keeps its own filled length, because a self-drafting forward over the first k layers fills those
// layers ahead of the rest.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

namespace hetspec {

class KvCache {
 public:
  KvCache() = default;
  // capacity: positions per layer (the context length); kv_dim = n_kv_heads * head_dim.
  KvCache(int capacity, int kv_dim, int layer_begin, int layer_end);

  int capacity() const { return capacity_; }
  int kv_dim() const { return kv_dim_; }
  int layer_begin() const { return layer_begin_; }
  int layer_end() const { return layer_end_; }
  bool has_layer(int l) const { return l >= layer_begin_ && l < layer_end_; }

  // Filled positions: of one layer, and the minimum over all layers (positions valid everywhere).
  int length(int layer) const;
  int length() const;
  // Records that `layer` now holds positions [0, n). n <= capacity.
  void set_length(int layer, int n);
  // Rollback: every layer keeps at most n positions.
  void truncate(int n);
  void clear() { truncate(0); }

  uint16_t* k(int layer);  // (capacity, kv_dim) f16
  uint16_t* v(int layer);  // (capacity, kv_dim) f16
  const uint16_t* k(int layer) const;
  const uint16_t* v(int layer) const;

  size_t bytes() const { return 2 * elems_ * sizeof(uint16_t); }

 private:
  size_t offset(int layer) const;
  int capacity_ = 0, kv_dim_ = 0, layer_begin_ = 0, layer_end_ = 0;
  size_t elems_ = 0;
  // (layers, capacity, kv_dim); left uninitialised so untouched positions cost no resident memory
  std::unique_ptr<uint16_t[]> k_, v_;
  std::vector<int> length_;      // (layers)
};

}  // namespace hetspec
