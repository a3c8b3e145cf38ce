// A file written by llama.cpp's own GGUF writer (gguf-py; tests/fixtures/make_gguf_py_fixture.py):
// hetspec's reader must agree with an independent implementation, and our reference quantizers
// must produce the same blocks as gguf-py's.
#include <catch2/catch.hpp>

#include <cstring>

#include "../support/paths.hpp"
#include "hetspec/engine/cpu/quant_blocks.hpp"
#include "hetspec/model/gguf_file.hpp"

using namespace hetspec;

namespace {
std::vector<float> fixture_values(int n) {  // as in make_gguf_py_fixture.py; exact in f16/bf16
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = static_cast<float>(((int64_t(i) * 37) % 101 - 50) / 64.0);
  return v;
}
}  // namespace

TEST_CASE("a GGUF written by gguf-py reads back: metadata, alignment, tensors", "[gguf]") {
  GgufFile f = GgufFile::open(test::source_path("tests/fixtures/gguf_py_v3.gguf"));
  CHECK(f.version() == 3);
  CHECK(f.alignment() == 64);
  CHECK(f.get_string("general.architecture") == "llama");
  CHECK(f.get_u32("t.u8") == 200);
  CHECK(f.get_i32("t.i8") == -100);
  CHECK(f.get_u32("t.u16") == 60000);
  CHECK(f.get_i32("t.i16") == -30000);
  CHECK(f.get_u32("t.u32") == 4000000000u);
  CHECK(f.get_i32("t.i32") == -2000000000);
  CHECK(f.get_u64("t.u64") == (1ull << 40));
  CHECK(f.get_i64("t.i64") == -(1ll << 40));
  CHECK(f.get_f32("t.f32") == 0.25f);
  CHECK(f.get_f64("t.f64") == 1e-300);
  CHECK(f.get_bool("t.bool"));
  CHECK(f.get_string("t.string") == "héllo");
  auto s = f.get_string_array("t.strings");
  REQUIRE(s.size() == 3);
  CHECK((s[0] == "a" && s[1].empty() && s[2] == "ĠTHE"));
  CHECK(f.get_i64_array("t.ints") == std::vector<int64_t>{-1, 0, 7});
  CHECK(f.get_f32_array("t.floats") == std::vector<float>{1.5f, -2.f});
  CHECK(f.get_i64_array("t.bools") == std::vector<int64_t>{1, 0});

  REQUIRE(f.tensors().size() == 7);
  const std::vector<float> x = fixture_values(64 * 3);
  for (const char* name : {"f32.weight", "f16.weight", "bf16.weight"}) {
    INFO(name);
    CHECK(f.tensor(name).dims == std::vector<int64_t>{64, 3});
    CHECK(f.tensor_f32(name) == x);
  }
  for (DType t : {DType::Q8_0, DType::Q4_0, DType::Q4_1}) {
    std::string name = std::string(dtype_name(t)) + ".weight";
    INFO(name);
    const GgufTensor& g = f.tensor(name);
    CHECK(g.offset % 64 == 0);
    REQUIRE(g.dtype == t);
    REQUIRE(g.n_bytes == 3 * row_bytes(t, 64));
    std::vector<uint8_t> ours(g.n_bytes);
    for (int r = 0; r < 3; ++r) quantize_row_ref(t, x.data() + r * 64, ours.data() + r * row_bytes(t, 64), 64);
    CHECK(std::memcmp(ours.data(), g.data, g.n_bytes) == 0);  // bit-exact with gguf-py's quantizer
  }
  const GgufTensor& k = f.tensor("q6_k.weight");
  CHECK(k.dims == std::vector<int64_t>{256, 2});
  CHECK(k.n_bytes == 420);
  bool pattern = true;
  for (uint64_t i = 0; i < k.n_bytes; ++i) pattern = pattern && k.data[i] == i % 251;
  CHECK(pattern);
  CHECK_THROWS_WITH(f.weight("q6_k.weight"), Catch::EndsWith("unsupported tensor type Q6_K in tensor q6_k.weight"));
}
