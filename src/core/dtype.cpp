#include "hetspec/core/dtype.hpp"

#include <algorithm>
#include <cctype>

namespace hetspec {

namespace {
// GGML type ids and block layouts as in ggml.h / ggml-common.h.
const DTypeInfo kInfos[] = {
    {DType::F32, "f32", 0, 1, 4},
    {DType::F16, "f16", 1, 1, 2},
    {DType::BF16, "bf16", 30, 1, 2},
    {DType::Q8_0, "q8_0", 8, 32, 34},    // f16 d + 32 x int8
    {DType::Q4_0, "q4_0", 2, 32, 18},    // f16 d + 16 bytes of nibbles
    {DType::Q4_1, "q4_1", 3, 32, 20},    // f16 d, f16 m + 16 bytes of nibbles
    {DType::Q4_K, "q4_k", 12, 256, 144},
    {DType::Q5_K, "q5_k", 13, 256, 176},
    {DType::Q6_K, "q6_k", 14, 256, 210},
    {DType::Q8_K, "q8_k", 15, 256, 292},
};
}  // namespace

const DTypeInfo& dtype_info(DType t) {
  // kInfos is in enum order (checked once below), so this is an index, not a search.
  return kInfos[static_cast<int>(t)];
}

static_assert(sizeof(kInfos) / sizeof(kInfos[0]) == static_cast<int>(DType::Q8_K) + 1, "one entry per DType");

const char* dtype_name(DType t) { return dtype_info(t).name; }

std::optional<DType> parse_dtype(const std::string& name) {
  std::string s = name;
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const auto& i : kInfos)
    if (s == i.name) return i.type;
  return std::nullopt;
}

std::optional<DType> dtype_from_ggml(int ggml_type) {
  for (const auto& i : kInfos)
    if (i.ggml_type == ggml_type) return i.type;
  return std::nullopt;
}

std::string ggml_type_name(int t) {
  static const char* names[] = {"F32",  "F16",  "Q4_0", "Q4_1", "Q4_2", "Q4_3", "Q5_0", "Q5_1",
                                "Q8_0", "Q8_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K",
                                "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ2_S",
                                "IQ4_XS", "I8", "I16", "I32", "I64", "F64", "IQ1_M", "BF16"};
  if (t >= 0 && t < static_cast<int>(sizeof(names) / sizeof(names[0]))) return names[t];
  return "type " + std::to_string(t);
}

double bytes_per_weight(DType t) {
  const auto& i = dtype_info(t);
  return static_cast<double>(i.block_bytes) / i.block_size;
}

size_t row_bytes(DType t, size_t n) {
  const auto& i = dtype_info(t);
  return n / i.block_size * i.block_bytes;
}

}  // namespace hetspec
