// GGUF v2/v3 reader. The file is memory-mapped read-only and never copied: metadata strings and
// tensor data point into the mapping, so a GgufFile must outlive every view taken from it.
// Every count, length, offset and size is checked against the file size before it is used; a
// truncated or corrupt file gives one hetspec::Error "<file>: <key or tensor>: what", never a crash.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hetspec/core/dtype.hpp"
#include "hetspec/engine/weight_view.hpp"

namespace hetspec {

// Metadata value types, ids as in the GGUF spec (gguf_type in ggml).
enum class GgufType : uint32_t {
  U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, BOOL = 7,
  STRING = 8, ARRAY = 9, U64 = 10, I64 = 11, F64 = 12,
};
const char* gguf_type_name(GgufType t);  // "u32", "string", "array", ...

// One metadata value, a view into the mapping. Scalars are decoded; arrays of numbers keep a
// pointer to their little-endian elements (decode with GgufFile::get_*_array); arrays of strings
// are decoded to views; arrays of arrays (rare) are decoded recursively.
struct GgufValue {
  GgufType type = GgufType::U8;
  uint64_t u = 0;          // U8/U16/U32/U64 and BOOL (0/1)
  int64_t i = 0;           // I8/I16/I32/I64
  double f = 0;            // F32/F64
  std::string_view s;      // STRING
  // ARRAY
  GgufType elem_type = GgufType::U8;
  uint64_t count = 0;
  const uint8_t* elems = nullptr;         // numeric/bool elements, count * elem size bytes
  std::vector<std::string_view> strings;  // elem_type == STRING
  std::vector<GgufValue> nested;          // elem_type == ARRAY
  std::string to_string(size_t max_elems = 8) const;  // for inspect / messages
};

// ggml tensor types the directory understands (block size and bytes); the engine runs only the
// ones with a DType (see dtype.hpp) that cpu_supports_dtype() accepts.
struct GgmlTypeTraits {
  int block_size = 0;   // elements per block
  int block_bytes = 0;  // bytes per block
};
std::optional<GgmlTypeTraits> ggml_type_traits(int ggml_type);  // nullopt for unknown / removed ids

struct GgufTensor {
  std::string name;
  int ggml_type = 0;
  std::optional<DType> dtype;   // nullopt when ggml_type is not one of our DTypes (e.g. Q5_0)
  std::vector<int64_t> dims;    // ggml order: dims[0] is the contiguous row length (ne0)
  int64_t n_elements = 0;
  uint64_t offset = 0;          // relative to the data section (a multiple of the alignment)
  uint64_t n_bytes = 0;
  const uint8_t* data = nullptr;  // into the mapping; checked to lie inside the file. Aligned to
                                  // alignment() bytes when mapped from a file (page-aligned base).
  int64_t rows() const;           // product of dims[1..] (1 for a vector)
  int64_t cols() const { return dims.empty() ? 1 : dims[0]; }
  std::string type_name() const { return ggml_type_name(ggml_type); }
};

class GgufFile {
 public:
  // Maps and parses `path`. Throws Error("path: ...") on any problem.
  static GgufFile open(const std::string& path);
  // Parses a copy of `bytes` held in memory; `name` is used in messages (tests, fuzzing).
  static GgufFile from_bytes(std::string bytes, const std::string& name);

  GgufFile(GgufFile&&) noexcept;
  GgufFile& operator=(GgufFile&&) noexcept;
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;
  ~GgufFile();

  const std::string& path() const { return path_; }
  uint32_t version() const { return version_; }
  uint64_t file_size() const { return size_; }
  uint32_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }   // start of the tensor data section
  std::string where(const std::string& key) const { return path_ + ": " + key; }
  // Tells the OS that the mapped bytes [p, p + n) will not be read soon (after a copy of them was
  // made): the whole pages inside leave this process's resident set and fault back in from the page
  // cache if read again. No-op for a range outside the mapping or a file parsed from bytes.
  void release(const void* p, uint64_t n) const;

  // ---- metadata ----
  bool has(const std::string& key) const { return kv_.count(key) != 0; }
  const GgufValue* find(const std::string& key) const;    // nullptr if absent
  const GgufValue& get(const std::string& key) const;     // throws "file: key: missing metadata key"
  const std::vector<std::string>& keys() const { return key_order_; }  // in file order

  // Typed getters. Integers convert between widths and signedness when the value fits (else an
  // Error naming the key and value); float getters accept F32/F64 and integers; bool needs BOOL;
  // string needs STRING. get_X throws if missing, get_X_or returns the fallback, get_X_opt nullopt.
  uint32_t get_u32(const std::string& key) const;
  uint64_t get_u64(const std::string& key) const;
  int32_t get_i32(const std::string& key) const;
  int64_t get_i64(const std::string& key) const;
  float get_f32(const std::string& key) const;
  double get_f64(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  std::string get_string(const std::string& key) const;
  uint32_t get_u32_or(const std::string& key, uint32_t fallback) const;
  uint64_t get_u64_or(const std::string& key, uint64_t fallback) const;
  int32_t get_i32_or(const std::string& key, int32_t fallback) const;
  int64_t get_i64_or(const std::string& key, int64_t fallback) const;
  float get_f32_or(const std::string& key, float fallback) const;
  double get_f64_or(const std::string& key, double fallback) const;
  bool get_bool_or(const std::string& key, bool fallback) const;
  std::string get_string_or(const std::string& key, const std::string& fallback) const;
  std::optional<int64_t> get_i64_opt(const std::string& key) const;
  std::optional<double> get_f64_opt(const std::string& key) const;
  std::optional<std::string> get_string_opt(const std::string& key) const;

  // Arrays. Each throws if the key is missing, is not an array, or has elements of another kind.
  uint64_t array_size(const std::string& key) const;
  // Views into the mapping (valid while this GgufFile lives). Zero copy: use for token lists.
  const std::vector<std::string_view>& get_string_array(const std::string& key) const;
  std::vector<int64_t> get_i64_array(const std::string& key) const;  // any integer / bool elements
  std::vector<int32_t> get_i32_array(const std::string& key) const;  // integers that fit in i32
  std::vector<float> get_f32_array(const std::string& key) const;    // F32/F64 (or integer) elements

  // ---- tensors ----
  const std::vector<GgufTensor>& tensors() const { return tensors_; }  // in file order
  const GgufTensor* find_tensor(const std::string& name) const;       // nullptr if absent
  const GgufTensor& tensor(const std::string& name) const;            // throws "file: name: missing tensor"
  // A 1-D or 2-D tensor as a matrix for the kernels: rows = dims[1], cols = dims[0]. Throws
  // "file: name: unsupported tensor type Q6_K in tensor name" unless its dtype runs on the CPU.
  WeightView weight(const std::string& name) const;
  // Any supported-type tensor dequantized to f32 (norm weights, biases, rope_freqs).
  std::vector<float> tensor_f32(const std::string& name) const;
  // Throws unless the tensor exists with exactly these dims (ggml order), naming both shapes.
  void check_dims(const std::string& name, const std::vector<int64_t>& dims) const;

 private:
  GgufFile() = default;
  void parse();

  std::string path_;
  const uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
  void* map_ = nullptr;              // mmap'ed region (nullptr when from_bytes)
  std::unique_ptr<std::string> owned_;  // bytes for from_bytes
  uint32_t version_ = 0;
  uint32_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::map<std::string, GgufValue> kv_;
  std::vector<std::string> key_order_;
  std::vector<GgufTensor> tensors_;
  std::map<std::string, size_t> tensor_index_;
};

}  // namespace hetspec
