#include "hetspec/spec/llamacpp_loop.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <cmath>
#include <set>

#include "hetspec/core/error.hpp"
#include "hetspec/core/subprocess.hpp"
#include "hetspec/plan/plan.hpp"
#include "hetspec/spec/llamacpp_output.hpp"

namespace hetspec {

namespace {
// The timed run as a plan: both models wholly on `pu`, the CPU at `threads`, greedy (--temp 0).
// `tool` names the llama.cpp tool in errors.
Plan timed_plan(const Profile& prof, const std::string& pu, int threads, int gamma, const ModelSpec& draft,
                const ModelSpec& target, const char* tool) {
  const int cpu = prof.pu_index("cpu"), on = prof.pu_index(pu);
  check(cpu >= 0 && on >= 0, tool, "the llama.cpp profile has no PU '" + (cpu < 0 ? std::string("cpu") : pu) + "'");
  Plan plan;
  plan.gamma = gamma;
  if (gamma > 0) {
    plan.draft.pu = plan.draft.head_pu = on;
    plan.draft.dtype = draft.weight_dtype;
  }
  plan.target.pu = plan.target.head_pu = on;
  plan.target.dtype = target.weight_dtype;
  plan.threads.assign(prof.pus.size(), 1);
  plan.threads[size_t(cpu)] = threads;
  return plan;
}
Workload timed_workload(int n_input, int gen_tokens) {
  Workload w;
  w.prompt_tokens = std::max(1, n_input);
  w.gen_tokens = std::max(1, gen_tokens);
  w.greedy = true;  // --temp 0: llama.cpp's greedy verification
  return w;
}
// `prof` priced as llama.cpp's loop without its fitted terms (what the terms are fitted beyond).
Profile without_terms(const Profile& prof) {
  Profile p = prof;
  p.executor = ExecutorModel{"llama.cpp", {}};
  return p;
}
}  // namespace

double loop_priced_us(const LoopSample& s, const Profile& prof, const ModelSpec& draft, const ModelSpec& target,
                      const std::string& pu) {
  const PlanTiming t = time_plan(timed_plan(prof, pu, s.threads, s.gamma, draft, target, "llama-speculative"), draft, target,
                                 without_terms(prof), timed_workload(s.n_input, s.n_predict));
  if (!t.feasible) throw Error("llama-speculative", "the profile cannot price the timed plan: " + t.reason);
  const int draft_forwards = s.n_verify * (s.gamma + 1) + 1;  // the last emitted token is decoded on the draft too
  return s.n_verify * t.verify.total_us() + draft_forwards * t.draft1.total_us() + s.n_predict * t.host_target_row_us +
         s.n_drafted * t.host_draft_row_us;
}

LoopTerms fit_loop_terms(const std::vector<LoopSample>& samples, int threads, const Profile& prof, const ModelSpec& draft,
                         const ModelSpec& target, const std::string& pu) {
  // Per draft length, the median run (the lower one of an even count; greedy runs repeat the same
  // tokens, so the counts agree): one slowed run must not bend both terms, and the fastest of three
  // (kept until 2026-12-02) priced the H200's CUDA iterations 15-24 % below what validate then
  // measured over single runs per prompt.
  std::map<int, std::vector<const LoopSample*>> by_gamma;
  int runs = 0;
  for (const auto& s : samples) {
    if (s.threads != threads) continue;
    if (s.gamma < 1 || s.n_verify < 1 || s.decode_us <= 0) throw Error("llama-speculative", "a timed run drafted nothing");
    by_gamma[s.gamma].push_back(&s);
    ++runs;
  }
  std::map<int, const LoopSample*> best;
  for (auto& [g, v] : by_gamma) {
    std::sort(v.begin(), v.end(), [](const LoopSample* x, const LoopSample* y) { return x->decode_us < y->decode_us; });
    best[g] = v[(v.size() - 1) / 2];
  }
  if (best.size() < 2)
    throw Error("llama-speculative", "the loop terms at " + std::to_string(threads) +
                                         " threads need runs at two or more draft lengths");
  // Least squares over r_i = a v_i + b d_i (no intercept) with a, b >= 0 (time the forwards do not
  // show is never negative): the 2 × 2 normal equations, or one term alone when the other would go below 0.
  std::vector<std::array<double, 3>> pts;  // v, d, r
  double vv = 0, vd = 0, dd = 0, vr = 0, dr = 0, mean_us = 0;
  for (const auto& [g, s] : best) {
    const double r = s->decode_us - loop_priced_us(*s, prof, draft, target, pu), v = s->n_verify, d = s->n_drafted;
    pts.push_back({v, d, r});
    vv += v * v, vd += v * d, dd += d * d, vr += v * r, dr += d * r;
    mean_us += s->decode_us;
  }
  const double det = vv * dd - vd * vd;
  if (!(std::fabs(det) > 1e-9 * vv * dd)) throw Error("llama-speculative", "the timed runs cannot separate the two loop terms");
  auto sse = [&](double x, double y) {
    double e2 = 0;
    for (const auto& p : pts) e2 += (p[2] - x * p[0] - y * p[1]) * (p[2] - x * p[0] - y * p[1]);
    return e2;
  };
  double a = (dd * vr - vd * dr) / det, b = (vv * dr - vd * vr) / det;
  if (a < 0 || b < 0) {
    const double a_only = std::max(0.0, vr / vv), b_only = std::max(0.0, dr / dd);
    if (sse(a_only, 0) <= sse(0, b_only)) a = a_only, b = 0;
    else a = 0, b = b_only;
  }
  LoopTerms l;
  l.threads = threads;
  l.pu = pu;
  l.iteration_us = a;
  l.drafted_us = b;
  l.runs = runs;
  mean_us /= double(pts.size());
  l.residual_cv = mean_us > 0 ? std::min(10.0, std::sqrt(sse(a, b) / double(pts.size())) / mean_us) : 0;
  return l;
}

std::vector<LoopSample> run_speculative_loop(const LoopRun& r) {
  std::vector<LoopSample> out;
  bool warmed = false;
  for (int t : r.threads)
    for (int g : r.gammas) {
      std::vector<std::string> argv = {r.exe, "-m", r.target, "-ngl", std::to_string(r.ngl), "-t", std::to_string(t), "-md", r.draft,
                                       "-ngld", std::to_string(r.ngld), "-td", std::to_string(t), "--spec-draft-n-max", std::to_string(g),
                                       "--spec-draft-n-min", "0", "--spec-draft-p-min", "0", "--temp", "0",
                                       "-n", std::to_string(r.gen_tokens), "-p", r.prompt};
      if (!r.device.empty()) argv.insert(argv.end() - 2, {"--device", r.device, "-devd", r.device});
      for (int rep = warmed ? 0 : -1; rep < r.reps; ++rep) {
        const SpeculativeOutput o = parse_llama_speculative(run_tool_output(argv, r.timeout_s), r.exe);
        if (rep < 0) {  // page the models in, untimed
          warmed = true;
          continue;
        }
        LoopSample s;
        s.threads = t;
        s.gamma = g;
        s.decode_us = o.decode_s * 1e6;
        s.n_input = o.n_input;
        s.n_predict = o.n_predict;
        s.n_drafted = o.n_drafted;
        s.n_verify = o.n_verify();
        out.push_back(s);
      }
    }
  return out;
}

double fit_plain_term(const std::vector<PlainSample>& samples, int threads, const Profile& prof, const ModelSpec& target,
                      const std::string& pu) {
  // The median run per token (the lower one of an even count), as for the loop terms.
  std::vector<const PlainSample*> runs;
  for (const auto& s : samples)
    if (s.threads == threads) {
      if (s.eval_runs < 1 || !(s.decode_us > 0)) throw Error("llama-completion", "a timed run decoded nothing");
      runs.push_back(&s);
    }
  if (runs.empty()) return 0.0;
  std::sort(runs.begin(), runs.end(), [](const PlainSample* x, const PlainSample* y) {
    return x->decode_us / x->eval_runs < y->decode_us / y->eval_runs;
  });
  const PlainSample* best = runs[(runs.size() - 1) / 2];
  const Estimate e = predict(timed_plan(prof, pu, threads, 0, target, target, "llama-completion"), target, target,
                             without_terms(prof), Acceptance::scalar(0), timed_workload(best->n_input, best->eval_runs + 1));
  if (!e.feasible) throw Error("llama-completion", "the profile cannot price plain decoding: " + e.reason);
  // Signed: llama-bench's one-token forward on the H200 machine's Xeon (5.7 ms) overstated what
  // llama-completion's decode step takes (3.9 ms), and a term held at 0 left plain decoding on the
  // CPU 50 % over (2026-12-02). Kept above -90 % of the priced step, so the sum stays positive.
  return std::max(-0.9 * e.per_token_us, best->decode_us / best->eval_runs - e.per_token_us);
}

std::vector<PlainSample> run_plain_loop(const LoopRun& r) {
  std::vector<PlainSample> out;
  for (int t : r.threads) {
    std::vector<std::string> argv = {r.exe, "-m", r.target, "-ngl", std::to_string(r.ngl), "-t", std::to_string(t), "--temp", "0",
                                     "-no-cnv", "-n", std::to_string(r.gen_tokens), "-p", r.prompt};
    if (!r.device.empty()) argv.insert(argv.end() - 2, {"--device", r.device});
    for (int rep = out.empty() ? -1 : 0; rep < r.reps; ++rep) {
      const CompletionOutput o = parse_llama_completion(run_tool_output(argv, r.timeout_s), r.exe);
      if (rep < 0) continue;  // page the model in, untimed
      out.push_back({t, o.decode_us(), o.prompt_tokens, o.eval_runs});
    }
  }
  return out;
}

Profile with_plain_terms(Profile prof, const std::vector<PlainTermFit>& fits) {
  for (const auto& f : fits)
    for (auto& l : prof.executor.loop)
      if (l.pu == f.pu && l.threads == f.threads) l.plain_us = f.fitted_us;
  return prof;
}

void add_loop_terms(Profile& prof, const std::vector<LoopSample>& samples, const std::vector<PlainSample>& plain,
                    const ModelSpec& draft, const ModelSpec& target, const std::string& pu) {
  std::set<int> threads;
  for (const auto& s : samples) threads.insert(s.threads);
  std::vector<LoopTerms> fitted;
  for (int t : threads) {
    LoopTerms l = fit_loop_terms(samples, t, prof, draft, target, pu);
    l.plain_us = fit_plain_term(plain, t, prof, target, pu);
    fitted.push_back(l);
  }
  ExecutorModel& x = prof.executor;
  if (x.engine != "llama.cpp") x = ExecutorModel{"llama.cpp", {}};
  for (const auto& l : fitted) {
    std::erase_if(x.loop, [&](const LoopTerms& o) { return o.pu == l.pu && o.threads == l.threads; });
    x.loop.push_back(l);
  }
}

}  // namespace hetspec
