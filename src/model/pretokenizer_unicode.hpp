// Private: the generated table of Unicode code point ranges (pretokenizer_unicode_data.cpp) that
// backs unicode_flags() in pretokenizer.hpp. Kept out of include/ because only the lookup is public.
#pragma once
#include <cstddef>
#include <cstdint>

namespace hetspec::unicode_detail {

struct UnicodeRange {
  uint32_t first;
  uint32_t last;   // inclusive
  uint8_t flags;   // UnicodeClass bits
};

extern const UnicodeRange kUnicodeRanges[];  // sorted, disjoint
extern const size_t kUnicodeRangeCount;

}  // namespace hetspec::unicode_detail
