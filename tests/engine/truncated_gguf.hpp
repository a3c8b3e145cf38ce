// A copy of a GGUF model keeping only its first n layers (metadata and tensors byte-identical,
// block_count changed). Lets a test compare one transformer layer against llama.cpp without
// 30 layers of 8-bit rounding in between. Test support only.
#pragma once
#include <string>

#include "hetspec/model/gguf_file.hpp"
#include "hetspec/model/gguf_writer.hpp"

namespace hetspec::test {

inline void write_truncated_gguf(const std::string& src, int n_layers, const std::string& dst) {
  GgufFile f = GgufFile::open(src);
  GgufWriter w(f.alignment());
  w.copy_metadata(f);
  const std::string arch = f.get_string("general.architecture");
  w.set_u32(arch + ".block_count", uint32_t(n_layers));
  for (const auto& t : f.tensors()) {
    if (t.name.rfind("blk.", 0) == 0 && std::stoi(t.name.substr(4)) >= n_layers) continue;
    w.add_tensor(t.name, t.ggml_type, t.dims, std::string(reinterpret_cast<const char*>(t.data), t.n_bytes));
  }
  w.write(dst);
}

}  // namespace hetspec::test
