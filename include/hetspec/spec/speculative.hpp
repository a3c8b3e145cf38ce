// The speculative executor: a draft runner proposes γ tokens, the target runner verifies them in
// one forward of γ+1 tokens (γ+1 logit rows), and both KV caches roll back to what was accepted.
//   sequential: draft γ one-token forwards (the first also feeds the token the draft has not seen:
//     two tokens after an all-accepted block, the catch-up), then verify.
//   overlapped: while the target verifies on its runner's own thread, the draft feeds its last
//     drafted token to guess the bonus token and drafts the next block (γ+1 forwards); the block is
//     used when all γ were accepted and the bonus equals the guess, else discarded and redrafted.
// Verification (Leviathan et al. 2023, Chen et al. 2023):
//   greedy (temperature 0): accept d_i while argmax p_i == d_i; the first mismatch emits argmax p_i.
//   stochastic: accept d_i with probability min(1, p_i(d_i) / q_i(d_i)); on rejection sample from the
//     normalised residual max(0, p_i − q_i); when all γ are accepted, sample the bonus from p_{γ+1}.
//   p and q are the filtered distributions (temperature, top-k, top-p) both samplers draw from, so the
//   output is distributed exactly as plain sampling from the target.
// A draft whose head covers a vocabulary subset (Runner::vocab_map, FR-Spec) drafts over its columns:
//   greedy takes the argmax column's token, stochastic samples q over the columns; q is 0 for every
//   other token, so min(1, p/q) and the residual max(0, p − q) (= p there) stay exact.
// Timing mode (accept_rate non-empty): the accept/reject decision at position i is drawn with
// probability α_i; every forward, rollback and transfer is the real one, but the text is not the
// target's. Draws are stratified by default (systematic sampling per position: the k-th time position
// i is reached it accepts iff ⌊k·α_i + u_i⌋ > ⌊(k−1)·α_i + u_i⌋, u_i a seeded uniform offset per request),
// so a short request realises each α_i to within 1/n after n reaches instead of ±1/√n: a 16-token
// timing run then measures the cost at the acceptance asked for, not at a sampling accident of it.
// Independent draws remain (accept_stratified = false) for studying acceptance variance itself.
// A feature-reading (EAGLE) draft (spec().reads_features) reads, with each token, the feature of the
//   position before it: the target's head input where the target has computed it, else its own
//   output (its 2nd..γ-th drafted tokens). So the target keeps its features, the draft's prefill
//   follows the target's, and after an iteration that accepted k tokens the draft's cache is rolled
//   back to the positions it was fed with target features and re-fed the k + 1 new ones (its catch-up:
//   k + 1 tokens, not 1-2). Overlapped mode keeps a pre-drafted block as for any draft.
// γ = 0 (or no draft) is plain decoding through the same code, so both are timed alike.
#pragma once
#include <cstdint>
#include <vector>

#include "hetspec/engine/runner/runner.hpp"
#include "hetspec/engine/sampler.hpp"
#include "hetspec/plan/plan.hpp"
#include "hetspec/spec/trace.hpp"

namespace hetspec {

struct SpecOptions {
  int gamma = 0;
  Mode mode = Mode::Sequential;
  SamplerParams sampler;              // temperature 0 = greedy; the draft samples with the same filters
  std::vector<double> accept_rate;    // timing mode: α per draft position (last value repeats)
  uint64_t accept_seed = 1;
  bool accept_stratified = true;      // timing mode: systematic per-position draws (see above)
  int max_new = 64;                   // tokens to generate at most
  std::vector<int32_t> stop_ids;      // generation ends after one of these
  bool residual_from_target = false;  // tests only: on rejection sample p, not the residual (wrong)
};

// draft may be null when gamma == 0. Both runners are reset (truncate(0)) before the request: no KV
// state survives between requests. Throws Error for a prompt that leaves no room in either cache.
RequestTrace run_request(Runner* draft, Runner& target, const std::vector<int32_t>& prompt, const SpecOptions& opt);

}  // namespace hetspec
