// Corrupt and truncated GGUF files: each gives one hetspec::Error naming the file and the key or
// tensor, never a crash or an out-of-bounds read (run under ASan to check the latter).
#include <catch2/catch.hpp>

#include <fstream>

#include "gguf_test_util.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/model/gguf_file.hpp"

using namespace hetspec;
using namespace hetspec::test;
using Catch::Contains;
using Catch::StartsWith;

namespace {
GgufFile parse(const std::string& bytes) { return GgufFile::from_bytes(bytes, "bad.gguf"); }
// Position of a tensor info's fields, from the end of its name.
struct TensorInfoPos {
  size_t n_dims, dims, type, offset;
};
TensorInfoPos tensor_info(const std::string& bytes, const std::string& name, int n_dims) {
  size_t p = after(bytes, name);
  return {p, p + 4, p + 4 + 8 * n_dims, p + 8 + 8 * n_dims};
}
}  // namespace

TEST_CASE("GGUF header errors: magic, version, counts", "[gguf]") {
  const std::string good = small_writer().to_bytes();
  CHECK_NOTHROW(parse(good));
  std::string b = good;
  b[0] = 'X';
  CHECK_THROWS_WITH(parse(b), "bad.gguf: header: not a GGUF file (magic 'XGUF', expected 'GGUF')");
  b = good;
  patch<uint32_t>(b, 4, 1);
  CHECK_THROWS_WITH(parse(b), StartsWith("bad.gguf: header: GGUF version 1 is not supported"));
  patch<uint32_t>(b, 4, 7);
  CHECK_THROWS_WITH(parse(b), "bad.gguf: header: unsupported GGUF version 7 (2 and 3 are supported)");
  patch<uint32_t>(b, 4, 0x03000000);
  CHECK_THROWS_WITH(parse(b), "bad.gguf: header: big-endian GGUF files are not supported");
  b = good;
  patch<uint32_t>(b, 4, 2);  // v2 has the same layout
  CHECK(parse(b).version() == 2);
  b = good;
  patch<uint64_t>(b, 8, 1ull << 60);  // tensor count
  CHECK_THROWS_WITH(parse(b), StartsWith("bad.gguf: header: absurd tensor count 1152921504606846976"));
  b = good;
  patch<uint64_t>(b, 16, ~0ull);  // metadata count
  CHECK_THROWS_WITH(parse(b), StartsWith("bad.gguf: header: absurd metadata count"));
  CHECK_THROWS_WITH(parse(""), Contains("bad.gguf: header: truncated file: magic needs 4 bytes"));
  CHECK_THROWS_WITH(parse("GGUF"), Contains("bad.gguf: header: truncated file: version"));
}

TEST_CASE("GGUF metadata errors name the key", "[gguf]") {
  const std::string good = small_writer().to_bytes();
  std::string b = good;
  patch<uint64_t>(b, 24, 1ull << 60);  // length of the first key
  CHECK_THROWS_WITH(parse(b), StartsWith("bad.gguf: metadata[0]: truncated file or absurd length: key of 1152921504606846976 bytes"));
  b = good;
  patch<uint64_t>(b, after(b, "general.architecture") + 4, 1ull << 62);  // string value length
  CHECK_THROWS_WITH(parse(b), StartsWith("bad.gguf: general.architecture: truncated file or absurd length: string value"));
  b = good;
  patch<uint64_t>(b, after(b, "t.strings") + 8, 1ull << 60);  // string array count
  CHECK_THROWS_WITH(parse(b), StartsWith("bad.gguf: t.strings: absurd string array length 1152921504606846976"));
  b = good;
  patch<uint64_t>(b, after(b, "t.f32s") + 8, 1ull << 62);  // numeric array count: count * 4 overflows 64 bits
  CHECK_THROWS_WITH(parse(b), StartsWith("bad.gguf: t.f32s: absurd array length 4611686018427387904"));
  b = good;
  patch<uint32_t>(b, after(b, "t.u8"), 13);  // value type
  CHECK_THROWS_WITH(parse(b), "bad.gguf: t.u8: unknown metadata value type 13");
  b = good;
  patch<uint32_t>(b, after(b, "t.f32s") + 4, 99);  // array element type
  CHECK_THROWS_WITH(parse(b), "bad.gguf: t.f32s: unknown metadata value type 99");
  b = good;
  b[after(b, "t.bool") + 4] = 2;
  CHECK_THROWS_WITH(parse(b), "bad.gguf: t.bool: bool value 2 is neither 0 nor 1");
  b = good;
  size_t p = after(b, "t.u16") - 5;
  b.replace(p, 5, "t.u32");  // duplicate key
  CHECK_THROWS_WITH(parse(b), "bad.gguf: t.u32: duplicate metadata key");
}

TEST_CASE("GGUF alignment key must be a power of two", "[gguf]") {
  GgufWriter w(64);
  w.add_tensor_f32("v", DType::F32, {8}, std::vector<float>(8, 1.f));
  std::string b = w.to_bytes();
  CHECK(parse(b).alignment() == 64);
  patch<uint32_t>(b, after(b, "general.alignment") + 4, 48);
  CHECK_THROWS_WITH(parse(b), "bad.gguf: general.alignment: must be a power of two, got 48");
  patch<uint32_t>(b, after(b, "general.alignment") + 4, 0);
  CHECK_THROWS_WITH(parse(b), "bad.gguf: general.alignment: must be a power of two, got 0");
}

TEST_CASE("GGUF tensor info errors name the tensor", "[gguf]") {
  const std::string good = small_writer().to_bytes();
  auto mat = tensor_info(good, "mat.weight", 2);
  auto vec = tensor_info(good, "vec.weight", 1);
  std::string b = good;
  patch<uint64_t>(b, vec.offset, 1ull << 40);
  CHECK_THROWS_WITH(parse(b), StartsWith("bad.gguf: vec.weight: tensor data ["));
  CHECK_THROWS_WITH(parse(b), Contains("lies past the end of the file"));
  b = good;
  patch<uint64_t>(b, vec.offset, ~0ull - 31);  // offset + size overflows 64 bits
  CHECK_THROWS_WITH(parse(b), Contains("lies past the end of the file"));
  b = good;
  patch<uint64_t>(b, mat.offset, 3);
  CHECK_THROWS_WITH(parse(b), "bad.gguf: mat.weight: misaligned data offset 3 (alignment 32)");
  b = good;
  patch<uint64_t>(b, mat.dims, 1ull << 40);
  patch<uint64_t>(b, mat.dims + 8, 1ull << 40);
  CHECK_THROWS_WITH(parse(b), "bad.gguf: mat.weight: element count overflows (dims too large)");
  b = good;
  patch<uint64_t>(b, mat.dims + 8, 140000000000000000ull);  // elements fit in i64, bytes (x 34/32) do not
  CHECK_THROWS_WITH(parse(b), "bad.gguf: mat.weight: byte size overflows (dims too large)");
  b = good;
  patch<uint64_t>(b, mat.dims + 8, 1ull << 30);  // a huge tensor in a small file
  CHECK_THROWS_WITH(parse(b), Contains("lies past the end of the file"));
  b = good;
  patch<uint64_t>(b, mat.dims, 0);
  CHECK_THROWS_WITH(parse(b), "bad.gguf: mat.weight: dimension 0 is 0");
  b = good;
  patch<uint64_t>(b, mat.dims, ~0ull);
  CHECK_THROWS_WITH(parse(b), "bad.gguf: mat.weight: dimension 0 is 18446744073709551615");
  b = good;
  patch<uint64_t>(b, mat.dims, 48);  // not a multiple of Q8_0's 32
  CHECK_THROWS_WITH(parse(b), "bad.gguf: mat.weight: row length 48 is not a multiple of Q8_0's block size 32");
  b = good;
  patch<uint32_t>(b, mat.type, 99);
  CHECK_THROWS_WITH(parse(b), "bad.gguf: mat.weight: unknown ggml type 99");
  patch<uint32_t>(b, mat.type, 4);  // Q4_2, removed from ggml
  CHECK_THROWS_WITH(parse(b), "bad.gguf: mat.weight: unknown ggml type 4");
  b = good;
  patch<uint32_t>(b, mat.n_dims, 5);
  CHECK_THROWS_WITH(parse(b), "bad.gguf: mat.weight: has 5 dimensions (at most 4)");
  b = good;
  b.replace(after(b, "vec.weight") - 10, 10, "mat.weight");
  CHECK_THROWS_WITH(parse(b), "bad.gguf: mat.weight: duplicate tensor name");
  b = good;
  patch<uint64_t>(b, b.find("mat.weight") - 8, 1ull << 50);  // first tensor's name length
  CHECK_THROWS_WITH(parse(b), StartsWith("bad.gguf: tensor[0]: truncated file or absurd length: tensor name"));
}

TEST_CASE("GGUF truncated at every length throws, never crashes", "[gguf]") {
  const std::string good = small_writer().to_bytes();
  REQUIRE(GgufFile::from_bytes(good, "t.gguf").tensors().back().n_bytes % 32 == 0);  // no trailing padding
  int threw = 0;
  for (size_t n = 0; n < good.size(); ++n) {
    try {
      GgufFile::from_bytes(good.substr(0, n), "cut.gguf");
      FAIL("truncation at " << n << " of " << good.size() << " bytes parsed without error");
    } catch (const Error& e) {
      REQUIRE(std::string(e.what()).rfind("cut.gguf: ", 0) == 0);
      ++threw;
    }
  }
  CHECK(threw == static_cast<int>(good.size()));
  // The same through files on disk (mmap path), cutting in the header, metadata, tensor infos, data.
  TempDir dir;
  GgufFile whole = GgufFile::from_bytes(good, "t.gguf");
  for (size_t n : {size_t(0), size_t(3), size_t(7), size_t(20), size_t(100), size_t(whole.data_offset() - 40),
                   size_t(whole.data_offset() - 1), size_t(whole.data_offset() + 5), good.size() - 1}) {
    std::string path = dir.file("cut" + std::to_string(n) + ".gguf");
    std::ofstream(path, std::ios::binary).write(good.data(), static_cast<std::streamsize>(n));
    CHECK_THROWS_WITH(GgufFile::open(path), StartsWith(path + ": "));
  }
}

TEST_CASE("GGUF with random corrupted bytes parses or throws Error, never crashes", "[gguf]") {
  const std::string good = small_writer().to_bytes();
  const size_t header = GgufFile::from_bytes(good, "t.gguf").data_offset();
  uint64_t state = 12345;
  auto next = [&] { return state = state * 6364136223846793005ull + 1442695040888963407ull, state >> 33; };
  int parsed = 0, threw = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string b = good;
    int flips = 1 + static_cast<int>(next() % 4);
    for (int k = 0; k < flips; ++k) {
      size_t pos = next() % header;  // corrupt the header, metadata and tensor infos
      b[pos] = static_cast<char>(next() % 3 == 0 ? 0xff : next() & 0xff);
    }
    try {
      GgufFile f = GgufFile::from_bytes(b, "fuzz.gguf");
      for (const auto& t : f.tensors()) {  // whatever parsed must be inside the file
        REQUIRE(f.data_offset() + t.offset + t.n_bytes <= f.file_size());
      }
      for (const auto& k : f.keys()) (void)f.get(k).to_string();
      ++parsed;
    } catch (const Error& e) {
      REQUIRE(std::string(e.what()).rfind("fuzz.gguf: ", 0) == 0);
      ++threw;
    }
  }
  CHECK(threw > 1000);  // most corruptions are caught
  CHECK(parsed + threw == 3000);
}
