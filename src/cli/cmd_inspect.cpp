// `hetspec inspect model.gguf [--json]`: architecture (as a configs/models YAML), tokenizer, tensors.
#include <iostream>
#include <memory>

#include "hetspec/model/gguf_file.hpp"
#include "hetspec/model/gguf_inspect.hpp"
#include "registry.hpp"

static hetspec::cli::Registrar reg("inspect", "Print a GGUF model's architecture (as a model YAML), tokenizer and tensors",
                                   [](CLI::App& app) {
                                     auto path = std::make_shared<std::string>();
                                     auto json = std::make_shared<bool>(false);
                                     app.add_option("model", *path, "GGUF file")->required();
                                     app.add_flag("--json", *json, "Print JSON instead of YAML + tables");
                                     return std::function<int()>([path, json] {
                                       auto f = hetspec::GgufFile::open(*path);
                                       std::cout << (*json ? hetspec::inspect_json(f) : hetspec::inspect_text(f));
                                       return 0;
                                     });
                                   });
