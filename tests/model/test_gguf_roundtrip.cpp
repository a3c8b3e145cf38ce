#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <random>

#include "gguf_test_util.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/engine/cpu/quant_blocks.hpp"
#include "hetspec/model/gguf_file.hpp"
#include "hetspec/model/gguf_writer.hpp"

using namespace hetspec;
using hetspec::test::small_writer;

TEST_CASE("every metadata type round-trips through the writer and reader", "[gguf]") {
  GgufFile f = GgufFile::from_bytes(small_writer().to_bytes(), "t.gguf");
  CHECK(f.version() == 3);
  CHECK(f.alignment() == 32);
  CHECK(f.data_offset() % 32 == 0);
  CHECK(f.keys().front() == "general.architecture");
  CHECK(f.keys().size() == 18);
  CHECK(f.get_u32("t.u8") == 200);
  CHECK(f.get_i32("t.i8") == -100);
  CHECK(f.get_u32("t.u16") == 60000);
  CHECK(f.get_i64("t.i16") == -30000);
  CHECK(f.get_u32("t.u32") == 4000000000u);
  CHECK(f.get_i32("t.i32") == -2000000000);
  CHECK(f.get_u64("t.u64") == (1ull << 40));
  CHECK(f.get_i64("t.i64") == -(1ll << 40));
  CHECK(f.get_f32("t.f32") == 0.25f);
  CHECK(f.get_f64("t.f64") == 1e-300);
  CHECK(f.get_bool("t.bool"));
  CHECK(f.get_string("t.string") == "héllo\n\"world\"");
  auto strs = f.get_string_array("t.strings");
  REQUIRE(strs.size() == 4);
  CHECK(strs[0] == "a");
  CHECK(strs[1].empty());
  CHECK(strs[2] == "ĠTHE");
  CHECK(strs[3] == "<|im_end|>");
  CHECK(f.get_f32_array("t.f32s") == std::vector<float>{1.5f, -2.f, 0.f});
  CHECK(f.get_i32_array("t.i32s") == std::vector<int32_t>{-1, 0, 7});
  CHECK(f.get_i64_array("t.bools") == std::vector<int64_t>{1, 0});
  CHECK(f.array_size("t.strings") == 4);
  const GgufValue& nested = f.get("t.nested");
  REQUIRE(nested.nested.size() == 2);
  CHECK(nested.nested[0].elem_type == GgufType::U16);
  CHECK(nested.nested[1].strings.at(0) == "x");
  CHECK(f.get("t.nested").to_string() == "[2 x array] [[1 x u16] [5], [1 x string] [\"x\"]]");
  CHECK(f.get("t.string").to_string() == "\"héllo\\n\\\"world\\\"\"");
}

TEST_CASE("typed getters convert integer widths only when the value fits", "[gguf]") {
  GgufFile f = GgufFile::from_bytes(small_writer().to_bytes(), "t.gguf");
  CHECK(f.get_i64("t.u32") == 4000000000ll);
  CHECK(f.get_f64("t.u16") == 60000.0);  // integers read as numbers
  CHECK_THROWS_WITH(f.get_i32("t.u32"), "t.gguf: t.u32: value 4000000000 does not fit in i32");
  CHECK_THROWS_WITH(f.get_u32("t.i8"), "t.gguf: t.i8: value -100 does not fit in u32");
  CHECK_THROWS_WITH(f.get_u32("t.u64"), "t.gguf: t.u64: value 1099511627776 does not fit in u32");
  CHECK_THROWS_WITH(f.get_u32("t.string"), "t.gguf: t.string: expected an integer, got string");
  CHECK_THROWS_WITH(f.get_string("t.u8"), "t.gguf: t.u8: expected a string, got u8");
  CHECK_THROWS_WITH(f.get_bool("t.u8"), "t.gguf: t.u8: expected a bool, got u8");
  CHECK_THROWS_WITH(f.get_f64("t.strings"), "t.gguf: t.strings: expected a number, got array of string");
  CHECK_THROWS_WITH(f.get_string_array("t.f32s"), "t.gguf: t.f32s: expected an array of strings, got array of f32");
  CHECK_THROWS_WITH(f.get_i32_array("t.strings"), "t.gguf: t.strings: expected an array of integers, got array of string");
  CHECK_THROWS_WITH(f.get_u32("no.such.key"), "t.gguf: no.such.key: missing metadata key");
  CHECK(f.get_u32_or("no.such.key", 7) == 7);
  CHECK(f.get_string_or("no.such.key", "d") == "d");
  CHECK_FALSE(f.get_i64_opt("no.such.key"));
  CHECK(*f.get_f64_opt("t.f32") == 0.25);
  CHECK_THROWS_WITH(f.get_u32_or("t.string", 7), "t.gguf: t.string: expected an integer, got string");  // present but wrong
}

TEST_CASE("tensors of every runnable dtype round-trip at aligned offsets", "[gguf]") {
  std::mt19937 rng(7);
  std::normal_distribution<float> nd(0.f, 1.f);
  for (uint32_t align : {32u, 64u, 256u}) {
    GgufWriter w(align);
    std::vector<std::vector<float>> values;
    const DType types[] = {DType::F32, DType::F16, DType::BF16, DType::Q8_0, DType::Q4_0, DType::Q4_1};
    for (DType t : types) {
      std::vector<float> v(96 * 5);
      for (auto& x : v) x = nd(rng);
      w.add_tensor_f32(std::string("w.") + dtype_name(t), t, {96, 5}, v);
      values.push_back(v);
    }
    GgufFile f = GgufFile::from_bytes(w.to_bytes(), "t.gguf");
    CHECK(f.alignment() == align);
    REQUIRE(f.tensors().size() == 6);
    for (size_t k = 0; k < 6; ++k) {
      DType t = types[k];
      const GgufTensor& g = f.tensor(std::string("w.") + dtype_name(t));
      CHECK(g.offset % align == 0);
      CHECK(g.dtype == t);
      CHECK(g.dims == std::vector<int64_t>{96, 5});
      CHECK(g.n_bytes == row_bytes(t, 96) * 5);
      WeightView wv = f.weight(g.name);
      CHECK(wv.rows == 5);
      CHECK(wv.cols == 96);
      CHECK(wv.data == g.data);
      // Reading back gives exactly what the reference quantizer + dequantizer give.
      std::vector<uint8_t> q(row_bytes(t, 96));
      std::vector<float> expect(96);
      std::vector<float> got = f.tensor_f32(g.name);
      for (int r = 0; r < 5; ++r) {
        quantize_row_ref(t, values[k].data() + r * 96, q.data(), 96);
        dequantize_row_ref(t, q.data(), expect.data(), 96);
        for (int c = 0; c < 96; ++c) REQUIRE(got[r * 96 + c] == expect[c]);
      }
    }
  }
}

TEST_CASE("tensors we cannot run load in the directory but refuse compute with a clear error", "[gguf]") {
  GgufWriter w;
  w.add_tensor("output.weight", 14 /* Q6_K */, {256, 2}, std::string(2 * 210, '\0'));
  w.add_tensor("blk.0.ffn_down.weight", 6 /* Q5_0 */, {64, 2}, std::string(2 * 2 * 22, '\0'));
  GgufFile f = GgufFile::from_bytes(w.to_bytes(), "k.gguf");
  const GgufTensor& t = f.tensor("output.weight");
  CHECK(t.dtype == DType::Q6_K);
  CHECK(t.type_name() == "Q6_K");
  CHECK(t.n_bytes == 420);
  CHECK_THROWS_WITH(f.weight("output.weight"), "k.gguf: output.weight: unsupported tensor type Q6_K in tensor output.weight");
  CHECK_THROWS_WITH(f.tensor_f32("blk.0.ffn_down.weight"),
                    "k.gguf: blk.0.ffn_down.weight: unsupported tensor type Q5_0 in tensor blk.0.ffn_down.weight");
  CHECK_FALSE(f.tensor("blk.0.ffn_down.weight").dtype.has_value());
  CHECK_THROWS_WITH(f.tensor("nope.weight"), "k.gguf: nope.weight: missing tensor");
  CHECK(f.find_tensor("nope.weight") == nullptr);
  CHECK_THROWS_WITH(f.check_dims("output.weight", {256, 3}), "k.gguf: output.weight: has shape [256, 2], expected [256, 3]");
}

TEST_CASE("files are written atomically and read back through mmap", "[gguf]") {
  hetspec::test::TempDir dir;
  std::string path = dir.file("sub/x.gguf");
  GgufWriter w = small_writer();
  w.write(path);
  int n = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path / "sub")) (void)e, ++n;
  CHECK(n == 1);  // no temp file left behind
  std::string bytes = w.to_bytes();
  CHECK(std::filesystem::file_size(path) == bytes.size());
  GgufFile f = GgufFile::open(path);
  CHECK(f.path() == path);
  CHECK(f.file_size() == bytes.size());
  CHECK(f.get_i64("t.i64") == -(1ll << 40));
  CHECK(f.tensor_f32("vec.weight") == std::vector<float>(8, 1.f));
  // Moving keeps the views valid (the mapping does not move).
  std::string_view s = f.get_string_array("t.strings")[2];
  GgufFile g = std::move(f);
  CHECK(s == "ĠTHE");
  CHECK(g.get_string_array("t.strings")[2] == "ĠTHE");
  CHECK_THROWS_WITH(GgufFile::open(dir.file("missing.gguf")), Catch::StartsWith(dir.file("missing.gguf") + ": cannot open"));
  CHECK_THROWS_WITH(GgufFile::open(dir.path.string()), dir.path.string() + ": is a directory, expected a file");
}
