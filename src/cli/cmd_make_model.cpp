// `hetspec make-model --spec configs/models/X.yaml --seed N --out x.gguf [--dtype q4_1]`:
// a random-weight Llama / Qwen2 GGUF of the spec's shape (for tests and cost-model validation).
#include <iostream>
#include <memory>

#include "hetspec/core/error.hpp"
#include "hetspec/core/bundled.hpp"
#include "hetspec/model/model_spec.hpp"
#include "hetspec/model/random_model.hpp"
#include "registry.hpp"

static hetspec::cli::Registrar reg("make-model", "Write a random-weight GGUF model with a spec's architecture", [](CLI::App& app) {
  struct Opts {
    std::string spec, out, dtype;
    uint64_t seed = 1;
  };
  auto o = std::make_shared<Opts>();
  app.add_option("--spec", o->spec, "Model YAML (configs/models/*.yaml)")->required();
  app.add_option("--out", o->out, "Output .gguf path")->required();
  app.add_option("--seed", o->seed, "Random seed (default 1)");
  app.add_option("--dtype", o->dtype, "Store all matrices as f32|f16|bf16|q8_0|q4_0|q4_1 (default: the spec's dtypes)");
  return std::function<int()>([o] {
    hetspec::ModelSpec spec = hetspec::load_model_spec(hetspec::resolve_bundled(o->spec, hetspec::Bundled::Model));
    std::optional<hetspec::DType> dtype;
    if (!o->dtype.empty()) {
      dtype = hetspec::parse_dtype(o->dtype);
      if (!dtype) throw hetspec::Error("--dtype", "unknown dtype '" + o->dtype + "'");
    }
    hetspec::check_random_model_fits(spec, dtype, o->spec);
    hetspec::make_random_model(spec, o->seed, dtype, o->out);
    std::cout << "wrote " << o->out << " (" << spec.name << ", " << spec.total_params() / 1e6 << " M parameters, seed " << o->seed
              << ")\n";
    return 0;
  });
});
