// What every fuzz target shares: the input as a file for the loaders that take a path (written to
// one per-process file in /dev/shm, so no disk I/O), and the contract under test — a hetspec::Error
// is a clean rejection; anything else (another exception, a crash, a sanitizer report) is a finding.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "hetspec/core/error.hpp"

namespace hetspec::fuzz {

inline const std::string& input_path(const char* ext) {
  static const std::string p = std::string("/dev/shm/hetspec-fuzz-") + std::to_string(::getpid()) + ext;
  return p;
}

inline const std::string& as_file(const uint8_t* data, size_t size, const char* ext) {
  const std::string& p = input_path(ext);
  std::FILE* f = std::fopen(p.c_str(), "wb");
  if (!f) __builtin_trap();
  if (size) std::fwrite(data, 1, size, f);
  std::fclose(f);
  return p;
}

template <class F>
void expect_clean(F&& f) {
  try {
    f();
  } catch (const hetspec::Error&) {
  }
}

}  // namespace hetspec::fuzz
