#include "hetspec/engine/kv_cache.hpp"

#include <algorithm>
#include <string>

#include "hetspec/core/error.hpp"

namespace hetspec {

KvCache::KvCache(int capacity, int kv_dim, int layer_begin, int layer_end)
    : capacity_(capacity), kv_dim_(kv_dim), layer_begin_(layer_begin), layer_end_(layer_end) {
  check(capacity > 0 && kv_dim > 0 && layer_begin >= 0 && layer_end > layer_begin, "KvCache",
        "invalid shape: capacity " + std::to_string(capacity) + ", kv_dim " + std::to_string(kv_dim) +
            ", layers [" + std::to_string(layer_begin) + ", " + std::to_string(layer_end) + ")");
  size_t n = size_t(layer_end - layer_begin) * size_t(capacity) * size_t(kv_dim);
  elems_ = n;
  k_.reset(new uint16_t[n]);
  v_.reset(new uint16_t[n]);
  length_.assign(size_t(layer_end - layer_begin), 0);
}

size_t KvCache::offset(int layer) const {
  check(has_layer(layer), "KvCache", "layer " + std::to_string(layer) + " not in cache range [" +
                                         std::to_string(layer_begin_) + ", " + std::to_string(layer_end_) + ")");
  return size_t(layer - layer_begin_) * size_t(capacity_) * size_t(kv_dim_);
}

int KvCache::length(int layer) const {
  offset(layer);
  return length_[size_t(layer - layer_begin_)];
}

int KvCache::length() const {
  return length_.empty() ? 0 : *std::min_element(length_.begin(), length_.end());
}

void KvCache::set_length(int layer, int n) {
  offset(layer);
  check(n >= 0 && n <= capacity_, "KvCache",
        "length " + std::to_string(n) + " exceeds the context (" + std::to_string(capacity_) + " positions)");
  length_[size_t(layer - layer_begin_)] = n;
}

void KvCache::truncate(int n) {
  check(n >= 0, "KvCache", "negative truncate length");
  for (int& l : length_) l = std::min(l, n);
}

uint16_t* KvCache::k(int layer) { return k_.get() + offset(layer); }
uint16_t* KvCache::v(int layer) { return v_.get() + offset(layer); }
const uint16_t* KvCache::k(int layer) const { return k_.get() + offset(layer); }
const uint16_t* KvCache::v(int layer) const { return v_.get() + offset(layer); }

}  // namespace hetspec
