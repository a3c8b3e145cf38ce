// llama.cpp's speculative loop, timed, so that the cost model predicts it and not only its forwards.
// llama-bench prices the forwards; llama-speculative also re-decodes the emitted token on the draft
// every iteration (γ + 1 draft forwards: the cost model's executor.redecode), runs its sampler chain
// on every row of both models, copies the draft's candidates, keeps two KV caches and lets two thread
// pools take turns. Those costs are fitted as two loop terms per thread count,
//     decode_us − Σ forwards − Σ sampled rows  =  iteration_us · n_verify + drafted_us · n_drafted,
// by least squares with both terms kept >= 0, over the median llama-speculative run at each of several
// draft lengths (one run slowed by other work on a shared machine does not count), from each run's exact counts
// (n_verify = n_drafted / γ verify forwards of γ + 1 tokens, n_verify · (γ + 1) + 1 draft forwards,
// n_predict target rows, n_drafted draft rows). `profile --engine llama.cpp` stores them in the
// profile's `executor:` block (docs/llamacpp.md).
#pragma once
#include <string>
#include <vector>

#include "hetspec/cost/spec_cost.hpp"
#include "hetspec/model/model_spec.hpp"
#include "hetspec/profile/profile.hpp"

namespace hetspec {

struct LoopSample {  // one llama-speculative run
  int threads = 0, gamma = 0;
  double decode_us = 0;          // "decoded N tokens in S seconds"
  int n_input = 0, n_predict = 0, n_drafted = 0, n_verify = 0;
};

// What `prof` (a llama.cpp profile; its own loop terms ignored) prices for one run on the CPU: its
// verify and draft forwards and sampled rows, the left side's Σ above. Pure.
// `pu`: the profile PU both models ran on (the CPU unless llama.cpp offloaded them).
double loop_priced_us(const LoopSample& s, const Profile& prof, const ModelSpec& draft, const ModelSpec& target,
                      const std::string& pu = "cpu");

// The loop terms at `threads` from the samples taken there (at least two distinct γ), the forwards and
// rows priced by `prof` (a llama.cpp profile; its own loop terms are ignored) for CPU-only plans.
// Pure. Throws Error("llama-speculative", ...) when the samples cannot determine both terms.
LoopTerms fit_loop_terms(const std::vector<LoopSample>& samples, int threads, const Profile& prof, const ModelSpec& draft,
                         const ModelSpec& target, const std::string& pu = "cpu");

struct LoopRun {
  std::string exe;                   // llama-speculative
  std::string target, draft;         // GGUF files (the draft standalone: llama.cpp needs its own head)
  std::string prompt;                // raw text
  std::string device;                // llama.cpp device both models are offloaded to (--device/-devd; empty: the CPU)
  int ngl = 0, ngld = 0;             // with a device: the target's and the draft's layers + 1 (all, the head too)
  std::vector<int> threads = {1};
  std::vector<int> gammas = {1, 2, 4, 8};
  int reps = 3;
  int gen_tokens = 64;
  double timeout_s = 600;
};
// Runs llama-speculative (greedy, exactly γ drafted per iteration, all on the CPU) reps times per
// (threads, γ), after one untimed run; errors name the tool and the end of its stderr.
std::vector<LoopSample> run_speculative_loop(const LoopRun& r);

// Plain decoding's own term the same way: llama-completion's decode time per token (its sampling
// included, as `validate --engine llama.cpp` times it) beyond the forward and the row the profile prices.
struct PlainSample {  // one llama-completion run
  int threads = 0;
  double decode_us = 0;  // eval time + its share of sampling time
  int n_input = 0, eval_runs = 0;
};
// Per token, from the median run at `threads` (the lower of an even count); signed, since llama-bench's
// one-token forward can cost more than llama-completion's step, floored at -90 % of the priced step; pure.
double fit_plain_term(const std::vector<PlainSample>& samples, int threads, const Profile& prof, const ModelSpec& target,
                      const std::string& pu = "cpu");
// Runs llama-completion (greedy, all on the CPU, -no-cnv) like run_speculative_loop; `r.exe` is llama-completion.
std::vector<PlainSample> run_plain_loop(const LoopRun& r);

// Plain decoding's term as `validate --engine llama.cpp --plain-from calibration` re-fits it on its
// calibration prompts, run the way its baseline arm runs (chat-formatted prompts, G tokens, one run
// each, the median per token): the profile's fit (one raw prompt, 64 tokens, minutes earlier) priced
// the baseline every measured speedup divides by 11 % under on the 2-core Intel VM (2026-12-02) and
// 8-17 % on the H200 machine. Opt-in, since runs in a row share the host's slow or fast phases.
struct PlainTermFit {
  std::string pu = "cpu";
  int threads = 0;
  double profile_us = 0;  // the profile's plain_us
  double fitted_us = 0;   // from the calibration runs
  int runs = 0;
};
// `prof` with each fit's plain_us on its (pu, threads) loop terms; fits that name terms the profile
// lacks are ignored. Pure.
Profile with_plain_terms(Profile prof, const std::vector<PlainTermFit>& fits);

// prof.executor = llama.cpp, with the terms on `pu` fitted at every thread count in the samples
// (replacing earlier terms for that PU and thread count).
void add_loop_terms(Profile& prof, const std::vector<LoopSample>& samples, const std::vector<PlainSample>& plain,
                    const ModelSpec& draft, const ModelSpec& target, const std::string& pu = "cpu");

}  // namespace hetspec
