#include "pair_args.hpp"

#include "hetspec/core/error.hpp"
#include "hetspec/model/model_source.hpp"

namespace hetspec::cli {

void add_pair_options(CLI::App& app, PairArgs& a) {
  app.add_option("--soc", a.soc, "SoC description or measured profile (hetspec.profile/1 YAML)")->required();
  app.add_option("--target", a.target, "target model: configs/models/*.yaml or a GGUF file")->required();
  app.add_option("--draft", a.draft, "draft model: configs/models/*.yaml, a GGUF file, or self:K (the target's first K layers)")->required();
  app.add_option("--alpha", a.alpha,
                 "acceptance: a scalar (0.7), per-position values (0.9,0.8,0.7) or a hetspec.acceptance/1 file")
      ->capture_default_str();
  app.add_option("--prompt-tokens", a.prompt_tokens, "prompt length P of the request")->capture_default_str();
  app.add_option("--gen-tokens", a.gen_tokens, "generated tokens G of the request")->capture_default_str();
}

LoadedPair load_pair(const PairArgs& a) {
  LoadedPair p;
  if (a.prompt_tokens <= 0 || a.prompt_tokens > 1 << 20) throw Error("--prompt-tokens", "must be in 1..1048576");
  if (a.gen_tokens <= 0 || a.gen_tokens > 1 << 20) throw Error("--gen-tokens", "must be in 1..1048576");
  p.acc = parse_alpha(a.alpha);
  p.prof = load_profile(a.soc);
  p.target = load_spec_from(a.target);
  p.draft = load_draft_spec_from(a.draft, p.target);
  check_draft_target_pair(p.draft, a.draft, p.target, a.target);
  p.workload.prompt_tokens = a.prompt_tokens;
  p.workload.gen_tokens = a.gen_tokens;
  return p;
}

}  // namespace hetspec::cli
