#include "pair_args.hpp"

#include "hetspec/core/error.hpp"
#include "hetspec/core/bundled.hpp"
#include "hetspec/model/model_source.hpp"
#include "hetspec/plan/sweep.hpp"

namespace hetspec::cli {

void add_pair_options(CLI::App& app, PairArgs& a) {
  app.add_option("--soc", a.soc, "SoC description or measured profile (hetspec.profile/1 YAML), or a bundled SoC name (nxp-imx95)")->required();
  app.add_option("--target", a.target, "target model: a model YAML, a bundled model name (llama-3.2-3b) or a GGUF file")->required();
  app.add_option("--draft", a.draft, "draft model: a model YAML, a bundled model name, a GGUF file, or self:K (the target's first K layers)")->required();
  app.add_option("--alpha", a.alpha,
                 "acceptance: a scalar (0.7), per-position values (0.9,0.8,0.7) or a hetspec.acceptance/1 file")
      ->capture_default_str();
  app.add_option("--prompt-tokens", a.prompt_tokens, "prompt length P of the request")->capture_default_str();
  app.add_option("--gen-tokens", a.gen_tokens, "generated tokens G of the request")->capture_default_str();
  app.add_flag("--greedy", a.greedy,
               "greedy decoding and verification: the host's cost per sampled row is an argmax, not a softmax "
               "(as `hetspec validate` and `run` without --temp measure)");
}

LoadedPair load_pair(const PairArgs& a) {
  LoadedPair p;
  if (a.prompt_tokens <= 0 || a.prompt_tokens > 1 << 20) throw Error("--prompt-tokens", "must be in 1..1048576");
  if (a.gen_tokens <= 0 || a.gen_tokens > 1 << 20) throw Error("--gen-tokens", "must be in 1..1048576");
  p.acc = parse_alpha(a.alpha);
  // A bundled name (`--soc nxp-imx95`, `--target llama-3.2-3b`) or a path.
  const std::string target = resolve_bundled(a.target, Bundled::Model);
  const std::string draft = is_self_draft(a.draft) ? a.draft : resolve_bundled(a.draft, Bundled::Model);
  p.prof = load_profile(resolve_bundled(a.soc, Bundled::Soc));
  p.target = load_spec_from(target);
  p.draft = load_draft_spec_from(draft, p.target);
  check_draft_target_pair(p.draft, draft, p.target, target);
  p.workload.prompt_tokens = a.prompt_tokens;
  p.workload.gen_tokens = a.gen_tokens;
  p.workload.greedy = a.greedy;
  return p;
}

double best_plain_us(const LoadedPair& p, DType dtype) {
  PlanSpaceOptions opt;
  opt.max_gamma = 0;
  opt.splits = false;
  opt.target_dtypes = {dtype};
  SweepResult base = run_sweep(p.prof, p.draft, p.target, p.acc, p.workload, opt);
  return base.baseline.count(dtype) ? base.baseline[dtype].est.per_token_us : 0;
}

}  // namespace hetspec::cli
