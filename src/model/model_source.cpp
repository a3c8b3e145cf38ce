#include "hetspec/model/model_source.hpp"

#include "hetspec/core/error.hpp"
#include "hetspec/core/input_file.hpp"

#include <fstream>

#include "hetspec/model/draft_gguf.hpp"
#include "hetspec/model/gguf_file.hpp"
#include "hetspec/model/gguf_spec.hpp"

namespace hetspec {

ModelSpec load_spec_from(const std::string& path) {
  check_regular_file(path);
  char magic[4] = {};
  std::ifstream in(path, std::ios::binary);
  if (in) in.read(magic, 4);
  if (in && std::string(magic, 4) == "GGUF") return spec_from_gguf(GgufFile::open(path));
  return load_model_spec(path);
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
