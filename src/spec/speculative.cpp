#include "hetspec/spec/speculative.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <span>

#include "hetspec/core/error.hpp"
#include "hetspec/model/draft_gguf.hpp"

namespace hetspec {

namespace {

using Clock = std::chrono::steady_clock;
double us_since(Clock::time_point t0) { return std::chrono::duration<double, std::micro>(Clock::now() - t0).count(); }

// One request's state and clocks. ctx = prompt + generated; the last token of ctx is never in the
// target's cache at the start of an iteration (it is fed first by the next verify).
class Executor {
 public:
  Executor(Runner* draft, Runner& target, const SpecOptions& opt)
      : d_(draft),
        t_(target),
        opt_(opt),
        V_(target.spec().vocab),
        Vd_(draft ? draft->n_logits() : V_),
        dmap_(draft ? draft->vocab_map() : std::span<const int32_t>()),
        tsamp_(opt.sampler),
        dsamp_(SamplerParams{opt.sampler.temperature, opt.sampler.top_k, opt.sampler.top_p,
                             opt.sampler.seed * 0x9E3779B97F4A7C15ull + 1}),
        accept_rng_(opt.accept_seed),
        eagle_(draft && draft->spec().reads_features),
        D_(target.spec().d_model) {
    if (!dmap_.empty() && !greedy()) {  // q(token) needs the token's draft column
      dcol_.assign(size_t(V_), -1);
      for (size_t j = 0; j < dmap_.size(); ++j) dcol_[size_t(dmap_[j])] = int32_t(j);
    }
  }

  RequestTrace run(const std::vector<int32_t>& prompt);

 private:
  bool greedy() const { return opt_.sampler.greedy(); }
  bool timing_mode() const { return !opt_.accept_rate.empty(); }
  double alpha(int pos) const {  // 1-based
    const auto& a = opt_.accept_rate;
    return a[std::min<size_t>(size_t(pos - 1), a.size() - 1)];
  }
  // Timing mode's accept decision at 1-based position pos (stratified or independent, see the header).
  bool timing_accept(int pos) {
    const double a = alpha(pos);
    if (!opt_.accept_stratified) return unif_(accept_rng_) < a;
    if (reach_.size() < size_t(pos)) {
      for (size_t j = reach_.size(); j < size_t(pos); ++j) offset_.push_back(unif_(accept_rng_));
      reach_.resize(size_t(pos), 0);
    }
    const size_t j = size_t(pos - 1);
    const double u = offset_[j];
    const int64_t k = ++reach_[j];
    return std::floor(double(k) * a + u) > std::floor(double(k - 1) * a + u);
  }
  // Emits a token; false once generation must stop.
  bool emit(int32_t id) {
    ctx_.push_back(id);
    tr_.tokens.push_back(id);
    if (std::find(opt_.stop_ids.begin(), opt_.stop_ids.end(), id) != opt_.stop_ids.end()) tr_.stopped = true;
    return !tr_.stopped && int(tr_.tokens.size()) < opt_.max_new;
  }
  // Feeds toks to the draft after what it holds and samples its next token (into q when stochastic).
  // own_feature: an EAGLE draft reads its own last output feature (else the target's, per position).
  int32_t draft_step(const int32_t* toks, int n, std::vector<float>& q, double& fwd_us, double& handoff_us,
                     double& host_us, bool own_feature = true);
  // EAGLE: the features (n, d) tokens fed at draft positions [p0, p0 + n) read: g_{p-1} from the target
  // (zeros at position 0), or the draft's own last output for a one-token own-feature step.
  const float* draft_features(int p0, int n, bool own_feature);
  // Drafts `g` tokens into block_ (feeding what the draft has not seen first), adding to the phases.
  void draft_block(int g, double& draft_us, double& catchup_us, double& handoff_us);
  int32_t correction(const float* row, int i);  // the token emitted at a rejected position i (0-based)
  int32_t token_of(int32_t col) const { return dmap_.empty() ? col : dmap_[size_t(col)]; }
  size_t column_of(int32_t token) const { return dmap_.empty() ? size_t(token) : size_t(dcol_[size_t(token)]); }
  int32_t sample_target(const float* row);

  Runner* d_;
  Runner& t_;
  const SpecOptions& opt_;
  const int64_t V_;                  // target logits per row: the vocabulary
  const int64_t Vd_;                 // draft logits per row: the vocabulary or its head's subset
  std::span<const int32_t> dmap_;    // (Vd_) token of each draft column; empty: column = token
  std::vector<int32_t> dcol_;        // (V_) draft column of each token, -1 outside the subset (stochastic)
  Sampler tsamp_, dsamp_;
  std::mt19937_64 accept_rng_;
  std::uniform_real_distribution<double> unif_{0.0, 1.0};
  std::vector<int64_t> reach_;       // timing mode, stratified: times each position was reached
  std::vector<double> offset_;       // and its offset u_i
  std::vector<int32_t> ctx_, dfed_;  // context; tokens in the draft's cache
  std::vector<int32_t> block_;       // drafted tokens of the current iteration
  std::vector<std::vector<float>> q_;  // their draft distributions over the draft's columns (stochastic only)
  std::vector<float> p_, r_;
  double t1_sum_ = 0;                // one-token draft forwards, for the catch-up share of two-token ones
  int t1_n_ = 0;
  RequestTrace tr_;
  // EAGLE drafts only:
  const bool eagle_;
  const int64_t D_;                  // d_model (the target's = the draft's)
  std::vector<float> tfeat_;         // (positions, d) the target's head input at each position it verified
  std::vector<float> dlast_;         // (d) the draft's output feature of its last fed position
  std::vector<float> fin_;           // (n, d) features of a draft forward
  size_t dexact_ = 0;                // the draft's leading positions fed with the target's features
};

const float* Executor::draft_features(int p0, int n, bool own_feature) {
  if (!eagle_) return nullptr;
  if (own_feature) return dlast_.data();  // n == 1
  fin_.assign(size_t(n) * size_t(D_), 0.0f);
  for (int i = 0; i < n; ++i) {
    const int64_t src = p0 + i - 1;  // g_{p-1}
    if (src < 0) continue;
    check(size_t(src + 1) * size_t(D_) <= tfeat_.size(), "run", "internal: a draft position ahead of the target's features");
    std::copy_n(tfeat_.data() + src * D_, D_, fin_.data() + int64_t(i) * D_);
  }
  return fin_.data();
}

int32_t Executor::draft_step(const int32_t* toks, int n, std::vector<float>& q, double& fwd_us, double& handoff_us,
                             double& host_us, bool own_feature) {
  const double h0 = d_->stats().handoff_s;
  const int p0 = int(dfed_.size());
  const float* feats = draft_features(p0, n, own_feature);
  auto t0 = Clock::now();
  const float* logits = d_->forward(toks, n, p0, 1, feats);
  const double f = us_since(t0);
  const double h = (d_->stats().handoff_s - h0) * 1e6;
  fwd_us += f - h;
  handoff_us += h;
  dfed_.insert(dfed_.end(), toks, toks + n);
  if (eagle_) {
    if (!own_feature && dexact_ == size_t(p0)) dexact_ += size_t(n);
    const float* fo = d_->features();  // (n, d): the last row is what the next position reads
    dlast_.assign(fo + int64_t(n - 1) * D_, fo + int64_t(n) * D_);
  }
  if (n == 1) {
    t1_sum_ += f;
    t1_n_++;
  }
  auto t1 = Clock::now();
  // Over the draft's columns (a subset head: q is 0 outside it, which verification handles exactly).
  const int32_t col = greedy() ? argmax(logits, Vd_) : dsamp_.sample(logits, Vd_, q);  // q (Vd_)
  host_us += us_since(t1);
  return token_of(col);
}

void Executor::draft_block(int g, double& draft_us, double& catchup_us, double& handoff_us) {
  double host_us = 0;  // sampling: host time, which the iteration counts as its remainder
  block_.clear();
  if (!greedy()) q_.resize(size_t(g));
  // What the draft has not seen: the last emitted token, and after an all-accepted block also the
  // last drafted one (the catch-up: one two-token forward instead of a one-token forward).
  std::vector<int32_t> pending(ctx_.begin() + int64_t(dfed_.size()), ctx_.end());
  for (int i = 0; i < g; ++i) {
    std::vector<float> scratch;
    std::vector<float>& q = greedy() ? scratch : q_[size_t(i)];
    double fwd = 0;
    int32_t id;
    if (i == 0) {
      id = draft_step(pending.data(), int(pending.size()), q, fwd, handoff_us, host_us, /*own_feature=*/false);
      if (pending.size() > 1 && t1_n_ > 0) {  // the share above a one-token forward is the catch-up
        const double extra = std::max(0.0, fwd - t1_sum_ / t1_n_);
        catchup_us += extra;
        fwd -= extra;
      }
    } else {
      id = draft_step(&block_.back(), 1, q, fwd, handoff_us, host_us);
    }
    draft_us += fwd;
    block_.push_back(id);
  }
}

int32_t Executor::sample_target(const float* row) {
  return greedy() ? argmax(row, V_) : tsamp_.sample(row, V_, p_);
}

int32_t Executor::correction(const float* row, int i) {
  if (greedy()) return argmax(row, V_);
  tsamp_.probabilities(row, V_, p_);
  if (opt_.residual_from_target) return tsamp_.draw(p_);
  const std::vector<float>& q = q_[size_t(i)];  // (Vd_) over the draft's columns, 0 for other tokens
  r_.assign(p_.begin(), p_.end());              // max(0, p - 0) outside the draft's columns
  for (int64_t j = 0; j < Vd_; ++j) {
    const size_t v = size_t(token_of(int32_t(j)));
    r_[v] = std::max(0.0f, p_[v] - q[size_t(j)]);
  }
  double sum = 0;
  for (float x : r_) sum += x;
  if (!(sum > 0)) return tsamp_.draw(p_);  // p == q: nothing to correct
  for (auto& x : r_) x = float(x / sum);
  return tsamp_.draw(r_);
}

RequestTrace Executor::run(const std::vector<int32_t>& prompt) {
  const int g = d_ ? opt_.gamma : 0;
  const int P = int(prompt.size());
  check(P > 0, "run", "empty prompt");
  check(opt_.max_new >= 1, "run", "max_new must be >= 1");
  const int64_t need = int64_t(P) + opt_.max_new + 2 * int64_t(g) + 2;
  if (need > t_.capacity() || (d_ && need > d_->capacity()))
    throw Error("run", "a prompt of " + std::to_string(P) + " tokens, " + std::to_string(opt_.max_new) +
                           " new tokens and γ = " + std::to_string(g) + " need " + std::to_string(need) +
                           " KV positions; the context holds " +
                           std::to_string(std::min(t_.capacity(), d_ ? d_->capacity() : t_.capacity())));
  t_.truncate(0);
  if (d_) d_->truncate(0);
  tr_ = RequestTrace{};
  tr_.prompt_tokens = P;
  ctx_ = prompt;
  dfed_.clear();
  dexact_ = 0;
  tfeat_.clear();
  if (eagle_) {
    check(d_->spec().d_model == D_, "run", "a feature-reading draft needs its target's width");
    t_.keep_features(true);
    d_->keep_features(true);
  }
  struct KeepOff {  // the target runner may serve plain requests next
    Runner& t;
    bool on;
    ~KeepOff() {
      if (on) try { t.keep_features(false); } catch (...) {}
    }
  } keep_off{t_, eagle_};

  // Prefill both models (at once when overlapped: the draft on its own thread; an EAGLE draft after
  // the target, whose features it reads).
  const auto t_req = Clock::now();
  const bool overlapped = g > 0 && opt_.mode == Mode::Overlapped;
  double dp = 0, tp = 0;
  if (g > 0 && overlapped && !eagle_) d_->submit(prompt.data(), P, 0, 1);
  if (g > 0 && !overlapped && !eagle_) {
    auto t0 = Clock::now();
    d_->forward(prompt.data(), P, 0, 1);
    dp = us_since(t0);
  }
  auto t0 = Clock::now();
  const float* logits = t_.forward(prompt.data(), P, 0, 1);
  tp = us_since(t0);
  if (overlapped && !eagle_) {
    const double s0 = d_->stats().forward_s;
    d_->wait();
    dp = (d_->stats().forward_s - s0) * 1e6;  // its own forward time (ran alongside)
  }
  if (eagle_ && g > 0) {
    const float* tf = t_.features();  // (P, d)
    tfeat_.assign(tf, tf + int64_t(P) * D_);
    const float* feats = draft_features(0, P, false);
    auto d0 = Clock::now();
    d_->forward(prompt.data(), P, 0, 1, feats);
    dp = us_since(d0);
    dexact_ = size_t(P);
  }
  if (g > 0) dfed_ = prompt;
  tr_.draft_prefill_us = dp;
  tr_.target_prefill_us = tp;
  bool go = emit(sample_target(logits));
  tr_.ttft_us = us_since(t_req);
  const auto t_dec = Clock::now();

  bool block_ready = false;  // overlapped: block_ (and q_) drafted during the last verify still stand
  std::vector<int32_t> next_block;
  std::vector<std::vector<float>> next_q;
  while (go) {
    const auto t_it = Clock::now();
    IterationEvent ev;
    ev.drafted = g;
    PhaseTimes& ph = ev.phases;
    const int L = int(ctx_.size()) - 1;  // position of the pending token
    if (g == 0) {
      const double h0 = t_.stats().handoff_s;
      auto f0 = Clock::now();
      const float* row = t_.forward(&ctx_[size_t(L)], 1, L, 1);
      const double f = us_since(f0), h = (t_.stats().handoff_s - h0) * 1e6;
      ph.verify = f - h;
      ph.handoff = h;
      go = emit(sample_target(row));
      ev.emitted = 1;
    } else {
      // 1. The block: drafted now, or during the last verify.
      if (block_ready) {
        ev.predrafted = true;
      } else if (overlapped) {
        draft_block(g, ph.catchup, ph.catchup, ph.handoff);  // a re-draft: nothing overlaps it
      } else {
        draft_block(g, ph.draft, ph.catchup, ph.handoff);
      }
      // 2. Verify [pending, d1..dγ] in one target forward of γ+1 rows.
      std::vector<int32_t> vt;
      vt.reserve(size_t(g) + 1);
      vt.push_back(ctx_[size_t(L)]);
      vt.insert(vt.end(), block_.begin(), block_.end());
      const double th0 = t_.stats().handoff_s, ts0 = t_.stats().forward_s;
      const float* rows = nullptr;
      if (overlapped) {
        const auto c0 = Clock::now();
        t_.submit(vt.data(), g + 1, L, g + 1);
        // Meanwhile: feed dγ to guess the bonus token, then draft the next block (γ+1 forwards).
        double pre_fwd = 0, pre_host = 0, pre_handoff = 0;
        next_block.clear();
        if (!greedy()) next_q.assign(size_t(g), {});
        std::vector<float> qb;
        if (int64_t(dfed_.size()) + g + 1 <= d_->capacity()) {
          int32_t guess = draft_step(&block_.back(), 1, qb, pre_fwd, pre_handoff, pre_host);
          next_block.push_back(guess);
          for (int i = 0; i < g; ++i) {
            std::vector<float> scratch;
            std::vector<float>& q = greedy() ? scratch : next_q[size_t(i)];
            next_block.push_back(draft_step(&next_block.back(), 1, q, pre_fwd, pre_handoff, pre_host));
          }
        }
        rows = t_.wait();
        const double conc = us_since(c0);
        ph.draft += pre_fwd;
        ph.handoff += pre_handoff;
        const double v = (t_.stats().forward_s - ts0) * 1e6, vh = (t_.stats().handoff_s - th0) * 1e6;
        ph.verify = v - vh;
        ph.handoff += vh;
        ph.overlap = conc - (v + pre_fwd + pre_handoff + pre_host);
      } else {
        auto f0 = Clock::now();
        rows = t_.forward(vt.data(), g + 1, L, g + 1);
        const double f = us_since(f0), h = (t_.stats().handoff_s - th0) * 1e6;
        ph.verify = f - h;
        ph.handoff += h;
      }
      if (eagle_) {  // the target's features of positions L .. L+γ
        tfeat_.resize(size_t(L) * size_t(D_));
        const float* tf = t_.features();  // (γ+1, d)
        tfeat_.insert(tfeat_.end(), tf, tf + int64_t(g + 1) * D_);
      }
      // 3. Accept the longest verified prefix, then the correction or bonus token.
      int k = 0;
      int32_t c = -1;
      for (int i = 0; i < g; ++i) {
        const float* row = rows + int64_t(i) * V_;
        const int32_t d = block_[size_t(i)];
        bool ok;
        if (timing_mode()) {
          ok = timing_accept(i + 1);
        } else if (greedy()) {
          ok = argmax(row, V_) == d;
        } else {
          tsamp_.probabilities(row, V_, p_);
          const float pd = p_[size_t(d)], qd = q_[size_t(i)][column_of(d)];
          ok = pd >= qd || tsamp_.uniform() * qd < pd;
        }
        if (!ok) {
          c = correction(row, i);
          break;
        }
        ++k;
      }
      if (k == g) c = sample_target(rows + int64_t(g) * V_);
      ev.accepted = k;
      const size_t before = tr_.tokens.size();
      for (int i = 0; i < k && go; ++i) go = emit(block_[size_t(i)]);
      if (go) go = emit(c);
      ev.emitted = int(tr_.tokens.size() - before);
      // 4. Roll both caches back to what stands.
      t_.truncate(L + 1 + k);
      if (eagle_) tfeat_.resize(size_t(L + 1 + k) * size_t(D_));
      block_ready = overlapped && k == g && !next_block.empty() && next_block[0] == c;
      if (block_ready) {
        block_.assign(next_block.begin() + 1, next_block.end());
        if (!greedy()) q_ = next_q;
      } else {
        size_t lcp = 0;
        while (lcp < dfed_.size() && lcp < ctx_.size() && dfed_[lcp] == ctx_[lcp]) ++lcp;
        lcp = std::min(lcp, ctx_.size() - 1);  // the last token is always fed by the next block
        if (eagle_) {  // positions fed with its own features are re-fed with the target's
          lcp = std::min(lcp, dexact_);
          dexact_ = lcp;
        }
        dfed_.resize(lcp);
        d_->truncate(int(lcp));
      }
    }
    ev.iter_us = us_since(t_it);
    // Whatever the clocks above did not cover (bookkeeping) is host time too: phases add up to the wall.
    ph.host = ev.iter_us - (ph.draft + ph.verify + ph.catchup + ph.transfer + ph.handoff + ph.overlap);
    tr_.iters.push_back(ev);
  }
  tr_.decode_us = us_since(t_dec);
  tr_.request_us = us_since(t_req);
  return tr_;
}

}  // namespace

RequestTrace run_request(Runner* draft, Runner& target, const std::vector<int32_t>& prompt, const SpecOptions& opt) {
  check(opt.gamma >= 0 && opt.gamma <= 64, "run", "γ must be in 0..64");
  check(opt.gamma == 0 || draft, "run", "γ > 0 needs a draft");
  if (draft) {
    check(draft->spec().vocab == target.spec().vocab, "run",
          "draft and target vocabularies differ (" + std::to_string(draft->spec().vocab) + " vs " +
              std::to_string(target.spec().vocab) + ")");
    check(draft != &target, "run", "the draft needs its own runner (its own KV cache)");
  }
  check(target.vocab_map().empty(), "run",
        "the target's LM head covers " + std::to_string(target.n_logits()) + " of " + std::to_string(target.spec().vocab) +
            " tokens (" + kHeadTokenIdsKey + "): a draft's head, it cannot verify");
  for (double a : opt.accept_rate) check(a >= 0 && a <= 1, "--accept-rate", "values must lie in [0, 1]");
  Executor ex(opt.gamma > 0 ? draft : nullptr, target, opt);
  return ex.run(prompt);
}

}  // namespace hetspec
