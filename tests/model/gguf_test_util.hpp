// Helpers for the GGUF tests: a small file with every metadata type, byte patching, temp dirs.
#pragma once
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "hetspec/model/gguf_writer.hpp"

namespace hetspec::test {

// A temp directory removed at scope exit.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    static int n = 0;
    path = std::filesystem::temp_directory_path() / ("hetspec_gguf_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

// Two keys of every scalar type, arrays of numbers/strings/bools/arrays, and two tensors; the last
// tensor is 32 bytes so that any truncation cuts into real content.
inline GgufWriter small_writer() {
  GgufWriter w;
  w.set_string("general.architecture", "llama");
  w.set_u8("t.u8", 200);
  w.set_i8("t.i8", -100);
  w.set_u16("t.u16", 60000);
  w.set_i16("t.i16", -30000);
  w.set_u32("t.u32", 4000000000u);
  w.set_i32("t.i32", -2000000000);
  w.set_u64("t.u64", 1ull << 40);
  w.set_i64("t.i64", -(1ll << 40));
  w.set_f32("t.f32", 0.25f);
  w.set_f64("t.f64", 1e-300);
  w.set_bool("t.bool", true);
  w.set_string("t.string", "héllo\n\"world\"");
  w.set_string_array("t.strings", {"a", "", "ĠTHE", "<|im_end|>"});
  w.set_f32_array("t.f32s", {1.5f, -2.f, 0.f});
  w.set_i32_array("t.i32s", {-1, 0, 7});
  w.set("t.bools", GgufOwnedValue::array(GgufType::BOOL, {GgufOwnedValue::scalar_u(GgufType::BOOL, 1),
                                                          GgufOwnedValue::scalar_u(GgufType::BOOL, 0)}));
  w.set("t.nested", GgufOwnedValue::array(GgufType::ARRAY,
                                          {GgufOwnedValue::array(GgufType::U16, {GgufOwnedValue::scalar_u(GgufType::U16, 5)}),
                                           GgufOwnedValue::array(GgufType::STRING, {GgufOwnedValue::string("x")})}));
  std::vector<float> m(64 * 3);
  for (size_t k = 0; k < m.size(); ++k) m[k] = 0.01f * float(k % 17) - 0.05f;
  w.add_tensor_f32("mat.weight", DType::Q8_0, {64, 3}, m);
  w.add_tensor_f32("vec.weight", DType::F32, {8}, std::vector<float>(8, 1.f));
  return w;
}

// Byte position just after the first occurrence of `s` in `bytes` (a key or tensor name).
inline size_t after(const std::string& bytes, const std::string& s) {
  size_t p = bytes.find(s);
  if (p == std::string::npos) throw std::runtime_error("test helper: '" + s + "' not in file");
  return p + s.size();
}

template <class T>
void patch(std::string& bytes, size_t pos, T v) {
  std::memcpy(bytes.data() + pos, &v, sizeof(T));
}

}  // namespace hetspec::test
