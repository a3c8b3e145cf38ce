// GGUF v3 writer: metadata of every type and tensors at aligned offsets, written atomically
// (temp file + fsync + rename). Used by `hetspec make-model` and by the reader's round-trip tests.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "hetspec/core/dtype.hpp"
#include "hetspec/model/gguf_file.hpp"

namespace hetspec {

// An owning metadata value (the reader's GgufValue is a view into a mapping).
struct GgufOwnedValue {
  GgufType type = GgufType::U8;
  uint64_t u = 0;   // unsigned types and BOOL
  int64_t i = 0;    // signed types
  double f = 0;     // F32/F64
  std::string s;    // STRING
  GgufType elem_type = GgufType::U8;    // ARRAY
  std::vector<GgufOwnedValue> items;   // ARRAY elements, each of elem_type

  static GgufOwnedValue scalar_u(GgufType t, uint64_t v);   // U8/U16/U32/U64/BOOL
  static GgufOwnedValue scalar_i(GgufType t, int64_t v);    // I8/I16/I32/I64
  static GgufOwnedValue scalar_f(GgufType t, double v);     // F32/F64
  static GgufOwnedValue string(std::string v);
  static GgufOwnedValue array(GgufType elem, std::vector<GgufOwnedValue> items);
  // An owning copy of a reader's value, every type kept as it is (arrays recursively).
  static GgufOwnedValue copy_of(const GgufValue& v);
};

class GgufWriter {
 public:
  explicit GgufWriter(uint32_t alignment = 32);  // != 32 is recorded as general.alignment

  // Metadata, in insertion order; setting a key again replaces its value in place.
  void set(const std::string& key, GgufOwnedValue v);
  void set_u8(const std::string& k, uint8_t v) { set(k, GgufOwnedValue::scalar_u(GgufType::U8, v)); }
  void set_i8(const std::string& k, int8_t v) { set(k, GgufOwnedValue::scalar_i(GgufType::I8, v)); }
  void set_u16(const std::string& k, uint16_t v) { set(k, GgufOwnedValue::scalar_u(GgufType::U16, v)); }
  void set_i16(const std::string& k, int16_t v) { set(k, GgufOwnedValue::scalar_i(GgufType::I16, v)); }
  void set_u32(const std::string& k, uint32_t v) { set(k, GgufOwnedValue::scalar_u(GgufType::U32, v)); }
  void set_i32(const std::string& k, int32_t v) { set(k, GgufOwnedValue::scalar_i(GgufType::I32, v)); }
  void set_u64(const std::string& k, uint64_t v) { set(k, GgufOwnedValue::scalar_u(GgufType::U64, v)); }
  void set_i64(const std::string& k, int64_t v) { set(k, GgufOwnedValue::scalar_i(GgufType::I64, v)); }
  void set_f32(const std::string& k, float v) { set(k, GgufOwnedValue::scalar_f(GgufType::F32, v)); }
  void set_f64(const std::string& k, double v) { set(k, GgufOwnedValue::scalar_f(GgufType::F64, v)); }
  void set_bool(const std::string& k, bool v) { set(k, GgufOwnedValue::scalar_u(GgufType::BOOL, v ? 1 : 0)); }
  void set_string(const std::string& k, std::string v) { set(k, GgufOwnedValue::string(std::move(v))); }
  void set_string_array(const std::string& k, const std::vector<std::string>& v);
  void set_f32_array(const std::string& k, const std::vector<float>& v);
  void set_i32_array(const std::string& k, const std::vector<int32_t>& v);
  bool remove(const std::string& key);  // true if the key was there
  // Every metadata key of `f` in its order, types kept (general.alignment excepted: the writer's own).
  void copy_metadata(const GgufFile& f);

  // Tensors, in insertion order. dims in ggml order (dims[0] = row length). `bytes` must be
  // exactly the size the type and dims imply.
  void add_tensor(const std::string& name, int ggml_type, std::vector<int64_t> dims, std::string bytes);
  bool remove_tensor(const std::string& name);  // true if it was there
  // Converts f32 values (rows of dims[0]) to `dtype` with the reference quantizer.
  void add_tensor_f32(const std::string& name, DType dtype, std::vector<int64_t> dims, const std::vector<float>& values);

  std::string to_bytes() const;            // the whole file in memory (tests)
  void write(const std::string& path) const;  // atomically: temp + fsync + rename

 private:
  struct Tensor {
    std::string name;
    int ggml_type;
    std::vector<int64_t> dims;
    std::string bytes;
  };
  std::string header_bytes() const;  // everything before the data section, padded
  uint32_t alignment_;
  std::vector<std::pair<std::string, GgufOwnedValue>> kv_;
  std::vector<Tensor> tensors_;
};

}  // namespace hetspec
