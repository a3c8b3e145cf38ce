// Weight and activation data types, with the block layout numbers the cost model (bytes per
// weight) and the kernels/GGUF reader (block size, block bytes, ggml type id) both need.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace hetspec {

enum class DType : uint8_t { F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, Q6_K, Q8_K };

struct DTypeInfo {
  DType type;
  const char* name;     // "q4_1" (lower case, as in configs and CLI flags)
  int ggml_type;        // GGML type id in GGUF tensor infos
  int block_size;       // weights per block (1 for float types)
  int block_bytes;      // bytes per block
};

const DTypeInfo& dtype_info(DType t);
const char* dtype_name(DType t);
std::optional<DType> parse_dtype(const std::string& name);      // case-insensitive; nullopt if unknown
std::optional<DType> dtype_from_ggml(int ggml_type);            // nullopt if not one of ours
std::string ggml_type_name(int ggml_type);                      // "Q5_0", or "type 42" if unknown
double bytes_per_weight(DType t);                               // block_bytes / block_size
// Bytes of a row of n weights; n must be a multiple of the block size.
size_t row_bytes(DType t, size_t n);

}  // namespace hetspec
