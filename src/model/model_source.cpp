#include "hetspec/model/model_source.hpp"

#include <fstream>

#include "hetspec/model/gguf_file.hpp"
#include "hetspec/model/gguf_spec.hpp"

namespace hetspec {

ModelSpec load_spec_from(const std::string& path) {
  char magic[4] = {};
  std::ifstream in(path, std::ios::binary);
  if (in) in.read(magic, 4);
  if (in && std::string(magic, 4) == "GGUF") return spec_from_gguf(GgufFile::open(path));
  return load_model_spec(path);
}

}  // namespace hetspec
