#include "hetspec/engine/cpu/huge_buffer.hpp"

#include <algorithm>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace hetspec {

namespace {
constexpr size_t kHuge = size_t(2) << 20;
size_t round_up(size_t n) { return (n + kHuge - 1) / kHuge * kHuge; }
}  // namespace

HugeBuffer::HugeBuffer(size_t bytes) : size_(bytes) {
  if (bytes == 0) return;
  const size_t total = round_up(bytes);
#if defined(__linux__)
  // Anonymous mmap: zeroed, page-aligned; over-allocate by 2 MiB and keep the aligned middle.
  void* raw = ::mmap(nullptr, total + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  auto* base = static_cast<uint8_t*>(raw);
  auto* aligned = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(base) + kHuge - 1) / kHuge * kHuge);
  if (aligned > base) ::munmap(base, size_t(aligned - base));
  const size_t tail = size_t(base + total + kHuge - (aligned + total));
  if (tail > 0) ::munmap(aligned + total, tail);
  ::madvise(aligned, total, MADV_HUGEPAGE);  // advisory: ignored where THP is off
  p_ = std::unique_ptr<uint8_t, Free>(aligned, Free{total});
#else
  p_ = std::unique_ptr<uint8_t, Free>(static_cast<uint8_t*>(::operator new(total, std::align_val_t(kHuge))), Free{total});
  std::fill(p_.get(), p_.get() + total, uint8_t(0));
#endif
}

void HugeBuffer::Free::operator()(uint8_t* p) const {
  if (!p) return;
#if defined(__linux__)
  ::munmap(p, bytes);
#else
  ::operator delete(p, std::align_val_t(kHuge));
#endif
}

}  // namespace hetspec
