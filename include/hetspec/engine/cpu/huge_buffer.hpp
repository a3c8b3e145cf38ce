// Why: the CPU engine streams its weights once per token (100 MB to GBs). On 4 KiB pages that is one
// TLB miss per 4 KiB, and the hardware prefetchers stop at every page boundary; Linux backs anonymous
// memory with 2 MiB pages only where asked (transparent_hugepage=madvise, the common default). A
// HugeBuffer is a zeroed byte buffer on 2 MiB-aligned memory with MADV_HUGEPAGE requested: what the
// repacked (X8) weights live in. Where huge pages are not available it is ordinary memory.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

namespace hetspec {

class HugeBuffer {
 public:
  HugeBuffer() = default;
  explicit HugeBuffer(size_t bytes);
  uint8_t* data() const { return p_.get(); }
  size_t size() const { return size_; }

 private:
  struct Free {
    size_t bytes;
    void operator()(uint8_t* p) const;
  };
  std::unique_ptr<uint8_t, Free> p_{nullptr, Free{0}};
  size_t size_ = 0;
};

}  // namespace hetspec
