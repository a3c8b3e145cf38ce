// `hetspec make-draft --target T.gguf --draft D.gguf --out full.gguf`: a borrowing draft made whole
// (the target's embedding and head copied in) for engines that load one file per model. Thin: the
// checks and the writing are model/draft_standalone.hpp.
#include <iostream>
#include <memory>

#include "hetspec/model/draft_standalone.hpp"
#include "registry.hpp"

static hetspec::cli::Registrar reg("make-draft",
                                   "Write a standalone GGUF of a draft that borrows its target's embedding and LM head",
                                   [](CLI::App& app) {
  struct Opts {
    std::string target, draft, out;
  };
  auto o = std::make_shared<Opts>();
  app.add_option("--target", o->target, "target GGUF whose token embedding (and LM head) the draft borrows")->required();
  app.add_option("--draft", o->draft, "draft GGUF without token_embd.weight / output.weight (hetspec draft v1)")->required();
  app.add_option("--out", o->out, "output .gguf path (written atomically)")->required();
  return std::function<int()>([o] {
    auto r = hetspec::write_standalone_draft(o->target, o->draft, o->out);
    std::cout << "wrote " << o->out << " (" << r.spec.name << ", " << r.spec.n_layers << " layers, token_embd"
              << (r.with_output ? " and output" : "") << " from " << o->target;
    if (r.spec.head_rows > 0) std::cout << ", LM head over " << r.spec.head_rows << " of " << r.spec.vocab << " tokens";
    std::cout << ")\n";
    return 0;
  });
});
