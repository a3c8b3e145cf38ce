#include "hetspec/engine/opencl/kv_cache.hpp"

#include "hetspec/core/error.hpp"

namespace hetspec::ocl {

ClKvCache::ClKvCache(Device& dev, const LayerShape& shape, int n_layers, int64_t n_ctx)
    : dev_(dev), shape_(shape), n_ctx_(n_ctx) {
  if (n_layers < 0 || n_ctx <= 0) throw Error(dev.label() + ": kv cache", "needs n_layers >= 0 and n_ctx > 0");
  size_t bytes = size_t(n_ctx) * shape.n_kv_heads * shape.head_dim * (shape.kv_f16 ? 2 : 4);
  for (int l = 0; l < n_layers; ++l) {
    k_.emplace_back(dev, bytes);
    v_.emplace_back(dev, bytes);
  }
}

void ClKvCache::append(int layer, const Buffer& k, const Buffer& v, int64_t m) {
  if (layer < 0 || layer >= static_cast<int>(k_.size()))
    throw Error(dev_.label() + ": kv cache", "no layer " + std::to_string(layer));
  kv_append(dev_, shape_, k, k_[layer], length_, m, n_ctx_);
  kv_append(dev_, shape_, v, v_[layer], length_, m, n_ctx_);
}

void ClKvCache::rope_append(int layer, Buffer& q, const Buffer& k, const Buffer& v, const Buffer& cs, int64_t m) {
  if (layer < 0 || layer >= static_cast<int>(k_.size()))
    throw Error(dev_.label() + ": kv cache", "no layer " + std::to_string(layer));
  rope_kv(dev_, shape_, q, k, v, cs, k_[layer], v_[layer], length_, m, n_ctx_);
}

void ClKvCache::rope_append_bound(int layer, Buffer& q, const Buffer& k, const Buffer& v, const Buffer& cs,
                                  BoundLaunch& site) {
  if (layer < 0 || layer >= static_cast<int>(k_.size()))
    throw Error(dev_.label() + ": kv cache", "no layer " + std::to_string(layer));
  rope_kv_bound(dev_, shape_, q, k, v, cs, k_[layer], v_[layer], length_, n_ctx_, site);
}

void ClKvCache::rope_attend(int layer, const Buffer& q, const Buffer& k, const Buffer& v, const Buffer& cs, Buffer& out,
                            BoundLaunch* site) {
  if (layer < 0 || layer >= static_cast<int>(k_.size()))
    throw Error(dev_.label() + ": kv cache", "no layer " + std::to_string(layer));
  if (site) attn_decode_bound(dev_, shape_, q, k, v, cs, k_[layer], v_[layer], out, length_, n_ctx_, *site);
  else attn_decode(dev_, shape_, q, k, v, cs, k_[layer], v_[layer], out, length_, n_ctx_);
}

void ClKvCache::advance(int64_t m) {
  if (m < 0 || length_ + m > n_ctx_)
    throw Error(dev_.label() + ": kv cache", "advancing by " + std::to_string(m) + " overflows the context of " +
                                                 std::to_string(n_ctx_));
  length_ += m;
}

void ClKvCache::truncate(int64_t n) {
  if (n < 0 || n > length_)
    throw Error(dev_.label() + ": kv cache", "cannot truncate to " + std::to_string(n) + " (length " +
                                                 std::to_string(length_) + ")");
  length_ = n;
}

size_t ClKvCache::bytes() const {
  size_t b = 0;
  for (auto& x : k_) b += x.bytes();
  for (auto& x : v_) b += x.bytes();
  return b;
}

}  // namespace hetspec::ocl
