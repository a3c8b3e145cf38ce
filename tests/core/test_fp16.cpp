#include <catch2/catch.hpp>

#include <cmath>

#include "hetspec/core/fp16.hpp"

TEST_CASE("fp16 round-trips every finite half exactly", "[core]") {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    uint16_t v = static_cast<uint16_t>(h);
    if ((v & 0x7c00) == 0x7c00) continue;  // inf / nan
    float f = hetspec::fp16_to_fp32(v);
    REQUIRE(hetspec::fp32_to_fp16(f) == v);
  }
}

TEST_CASE("fp16 conversion of known values and rounding", "[core]") {
  CHECK(hetspec::fp16_to_fp32(0x3c00) == 1.0f);
  CHECK(hetspec::fp16_to_fp32(0xc000) == -2.0f);
  CHECK(hetspec::fp16_to_fp32(0x0001) == std::ldexp(1.0f, -24));
  CHECK(hetspec::fp32_to_fp16(65520.0f) == 0x7c00);  // rounds to inf
  CHECK(hetspec::fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)) == 0x3c00);  // tie -> even
  CHECK(hetspec::bf16_to_fp32(hetspec::fp32_to_bf16(3.0f)) == 3.0f);
}

#include "hetspec/core/dtype.hpp"

TEST_CASE("dtype table is indexed in enum order", "[core]") {
  using hetspec::DType;
  for (int i = 0; i <= static_cast<int>(DType::Q8_K); ++i) {
    auto t = static_cast<DType>(i);
    CHECK(hetspec::dtype_info(t).type == t);
    CHECK(hetspec::parse_dtype(hetspec::dtype_name(t)) == t);
  }
  CHECK(hetspec::bytes_per_weight(DType::Q4_0) == Approx(18.0 / 32));
  CHECK(hetspec::row_bytes(DType::Q4_1, 64) == 40);
  CHECK(hetspec::ggml_type_name(14) == "Q6_K");
}
