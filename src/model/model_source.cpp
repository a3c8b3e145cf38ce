#include "hetspec/model/model_source.hpp"

#include "hetspec/core/error.hpp"
#include "hetspec/core/input_file.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>

#include "hetspec/model/draft_gguf.hpp"
#include "hetspec/model/gguf_file.hpp"
#include "hetspec/model/gguf_spec.hpp"

namespace hetspec {

namespace {
// A model argument is a GGUF file or a YAML spec. The first bytes decide: "GGUF", a name ending in
// .gguf, or a NUL byte in the first 4 KiB (no YAML text has one) make it a GGUF file, so a corrupt or foreign
// binary gets the GGUF reader's error ("not a GGUF file (magic ...)") instead of a YAML parser's.
bool looks_like_gguf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string head(4096, '\0');
  in.read(head.data(), std::streamsize(head.size()));
  head.resize(size_t(in.gcount()));
  if (head.rfind("GGUF", 0) == 0) return true;
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".gguf") return true;
  return head.find('\0') != std::string::npos;
}
}  // namespace

ModelSpec load_spec_from(const std::string& path) {
  check_regular_file(path);
  if (!looks_like_gguf(path)) return load_model_spec(path);
  GgufFile f = GgufFile::open(path);
  ModelSpec m = spec_from_gguf(f);
  validate_gguf_tensors(f, m);  // as inspect and the engine do: a file sweep accepts is one they can run
  return m;
}

bool is_self_draft(const std::string& arg) { return arg.rfind("self:", 0) == 0; }

int self_draft_layers(const std::string& arg, const ModelSpec& target) {
  const std::string k = arg.substr(5);
  const std::string where = "--draft '" + arg + "'";
  if (k.empty() || k.size() > 6 || k.find_first_not_of("0123456789") != std::string::npos)
    throw Error(where, "self:K needs a layer count K");
  const int K = std::stoi(k);
  if (K < 1 || K >= target.n_layers)
    throw Error(where, "K must be in 1.." + std::to_string(target.n_layers - 1) + " (the target has " +
                           std::to_string(target.n_layers) + " layers)");
  return K;
}

ModelSpec load_draft_spec_from(const std::string& arg, const ModelSpec& target) {
  if (!is_self_draft(arg)) return borrowing_draft_spec(load_spec_from(arg), arg, target);
  ModelSpec d = target;
  d.n_layers = self_draft_layers(arg, target);
  d.name = arg + " of " + target.name;
  d.self_draft = true;
  d.target_layers = target.n_layers;
  return d;
}

}  // namespace hetspec
