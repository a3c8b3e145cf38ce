// What llama.cpp's tools print about a run, read back as numbers (llama.cpp 0c1e570; neither tool
// offers JSON): llama-speculative's summary ("decoded N tokens in S seconds", n_draft, n_drafted,
// n_accept) and llama-completion's perf lines ("eval time = X ms / N runs", "sampling time = Y ms").
// A line that is missing or malformed is an Error naming the tool and the line, so a changed output
// format is reported, not misread.
#pragma once
#include <string>

namespace hetspec {

struct SpeculativeOutput {
  int n_input = 0;        // prompt tokens ("encoded N tokens")
  int n_predict = 0;      // tokens generated ("decoded N tokens"), the first (from the prompt's logits) included
  double decode_s = 0;    // their wall time, drafting, verifying and sampling included
  int n_draft = 0;        // --spec-draft-n-max
  int n_drafted = 0;      // drafted tokens (γ per verify forward)
  int n_accept = 0;       // drafted tokens the target accepted
  // Verify forwards: llama-speculative drafts exactly n_draft tokens per iteration (one sequence,
  // --spec-draft-p-min 0); each iteration re-decodes the emitted token on the draft first.
  int n_verify() const;
};
SpeculativeOutput parse_llama_speculative(const std::string& log, const std::string& where);

struct CompletionOutput {
  double eval_ms = 0;     // the decode forwards (one token each)
  int eval_runs = 0;
  double sampling_ms = 0; // the sampler over every generated token
  int generated = 0;      // eval_runs + 1 (the first token comes from the prompt's logits)
  int prompt_tokens = 0;  // "prompt eval time = X ms / N tokens" (0 when not printed)
  // Decode time of eval_runs tokens with their sampling, µs: the same span llama-speculative times.
  double decode_us() const;
};
CompletionOutput parse_llama_completion(const std::string& log, const std::string& where);

}  // namespace hetspec
