// Checked int64 arithmetic for sizes computed from untrusted numbers (a spec's widths, a GGUF's
// dimensions): an overflow is an Error naming where, never undefined behaviour.
#pragma once
#include <cstdint>
#include <string>

#include "hetspec/core/error.hpp"

namespace hetspec {

inline int64_t checked_mul(int64_t a, int64_t b, const std::string& where) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) throw Error(where, "size overflows 64 bits");
  return r;
}

inline int64_t checked_add(int64_t a, int64_t b, const std::string& where) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) throw Error(where, "size overflows 64 bits");
  return r;
}

}  // namespace hetspec
