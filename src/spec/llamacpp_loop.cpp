#include "hetspec/spec/llamacpp_loop.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "hetspec/core/error.hpp"
#include "hetspec/core/subprocess.hpp"
#include "hetspec/plan/plan.hpp"
#include "hetspec/spec/llamacpp_output.hpp"

namespace hetspec {

namespace {
// What the profile prices for one run: its forwards and sampled rows, not the loop terms.
double priced_us(const LoopSample& s, const Profile& prof, const ModelSpec& draft, const ModelSpec& target) {
  const int cpu = prof.pu_index("cpu");
  check(cpu >= 0, "llama-speculative", "the llama.cpp profile has no cpu PU");
  Profile p = prof;
  p.executor.engine = "llama.cpp";
  p.executor.loop.clear();
  Plan plan;
  plan.gamma = s.gamma;
  plan.draft.pu = plan.draft.head_pu = cpu;
  plan.draft.dtype = draft.weight_dtype;
  plan.target.pu = plan.target.head_pu = cpu;
  plan.target.dtype = target.weight_dtype;
  plan.threads.assign(p.pus.size(), 1);
  plan.threads[size_t(cpu)] = s.threads;
  Workload w;
  w.prompt_tokens = std::max(1, s.n_input);
  w.gen_tokens = std::max(1, s.n_predict);
  w.greedy = true;  // --temp 0: llama.cpp's greedy verification
  const PlanTiming t = time_plan(plan, draft, target, p, w);
  if (!t.feasible) throw Error("llama-speculative", "the profile cannot price the timed plan: " + t.reason);
  const int draft_forwards = s.n_verify * (s.gamma + 1) + 1;  // the last emitted token is decoded on the draft too
  return s.n_verify * t.verify.total_us() + draft_forwards * t.draft1.total_us() + s.n_predict * t.host_target_row_us +
         s.n_drafted * t.host_draft_row_us;
}
}  // namespace

LoopTerms fit_loop_terms(const std::vector<LoopSample>& samples, int threads, const Profile& prof, const ModelSpec& draft,
                         const ModelSpec& target) {
  // Least squares over r_i = a v_i + b d_i (no intercept): the 2 × 2 normal equations.
  double vv = 0, vd = 0, dd = 0, vr = 0, dr = 0, mean_us = 0;
  std::vector<std::pair<const LoopSample*, double>> used;
  std::set<int> gammas;
  for (const auto& s : samples) {
    if (s.threads != threads) continue;
    if (s.gamma < 1 || s.n_verify < 1 || s.decode_us <= 0) throw Error("llama-speculative", "a timed run drafted nothing");
    const double r = s.decode_us - priced_us(s, prof, draft, target);
    const double v = s.n_verify, d = s.n_drafted;
    vv += v * v, vd += v * d, dd += d * d, vr += v * r, dr += d * r;
    mean_us += s.decode_us;
    used.emplace_back(&s, r);
    gammas.insert(s.gamma);
  }
  if (gammas.size() < 2)
    throw Error("llama-speculative", "the loop terms at " + std::to_string(threads) +
                                         " threads need runs at two or more draft lengths");
  const double det = vv * dd - vd * vd;
  if (!(std::fabs(det) > 1e-9 * vv * dd)) throw Error("llama-speculative", "the timed runs cannot separate the two loop terms");
  LoopTerms l;
  l.threads = threads;
  l.iteration_us = (dd * vr - vd * dr) / det;
  l.drafted_us = (vv * dr - vd * vr) / det;
  l.runs = int(used.size());
  double ss = 0;
  for (const auto& [s, r] : used) {
    const double e = r - l.iteration_us * s->n_verify - l.drafted_us * s->n_drafted;
    ss += e * e;
  }
  mean_us /= double(used.size());
  l.residual_cv = mean_us > 0 ? std::min(10.0, std::sqrt(ss / double(used.size())) / mean_us) : 0;
  return l;
}

std::vector<LoopSample> run_speculative_loop(const LoopRun& r) {
  std::vector<LoopSample> out;
  bool warmed = false;
  for (int t : r.threads)
    for (int g : r.gammas) {
      const std::vector<std::string> argv = {r.exe, "-m", r.target, "-ngl", "0", "-t", std::to_string(t), "-md", r.draft,
                                             "-ngld", "0", "-td", std::to_string(t), "--spec-draft-n-max", std::to_string(g),
                                             "--spec-draft-n-min", "0", "--spec-draft-p-min", "0", "--temp", "0",
                                             "-n", std::to_string(r.gen_tokens), "-p", r.prompt};
      for (int rep = warmed ? 0 : -1; rep < r.reps; ++rep) {
        const ProcessResult p = run_process(argv, r.timeout_s);
        if (p.timed_out) throw Error(r.exe, "did not finish within " + std::to_string(int(r.timeout_s)) + " s (killed)");
        if (p.exit_code != 0)
          throw Error(r.exe, "failed (" + (p.signal ? "signal " + std::to_string(p.signal) : "exit " + std::to_string(p.exit_code)) +
                                 "): " + tail_line(p.err));
        const SpeculativeOutput o = parse_llama_speculative(p.err + "\n" + p.out, r.exe);
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

void add_loop_terms(Profile& prof, const std::vector<LoopSample>& samples, const ModelSpec& draft, const ModelSpec& target) {
  std::set<int> threads;
  for (const auto& s : samples) threads.insert(s.threads);
  ExecutorModel x;
  x.engine = "llama.cpp";
  for (int t : threads) x.loop.push_back(fit_loop_terms(samples, t, prof, draft, target));
  prof.executor = x;
}

}  // namespace hetspec
