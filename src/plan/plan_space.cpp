#include "hetspec/plan/plan_space.hpp"

#include <algorithm>

namespace hetspec {

namespace {
// Placements of one model: every PU alone, and (optionally) every ordered PU pair split at every
// split_step-th layer. Head: the PU running the last layers, or the host CPU.
std::vector<ModelPlacement> placements(const Profile& prof, int layers, bool splits, int step, bool head_options) {
  std::vector<ModelPlacement> out;
  const int np = static_cast<int>(prof.pus.size());
  const int host = prof.pu_index(prof.host.pu);
  auto add_heads = [&](ModelPlacement p, int last) {
    p.head_pu = last;
    out.push_back(p);
    if (head_options && host != last) {
      p.head_pu = host;
      out.push_back(p);
    }
  };
  for (int a = 0; a < np; ++a) {
    ModelPlacement p;
    p.pu = a;
    add_heads(p, a);
    if (!splits) continue;
    for (int b = 0; b < np; ++b) {
      if (b == a) continue;
      for (int s = step; s < layers; s += step) {
        ModelPlacement q;
        q.pu = a;
        q.split_pu = b;
        q.split = s;
        add_heads(q, b);
      }
    }
  }
  return out;
}

// The thread counts worth trying for CPU PU i in this plan (leaves_core: without all cores).
std::vector<int> thread_options(const Plan& plan, const Profile& prof, int i) {
  const ProcessingUnit& pu = prof.pus[size_t(i)];
  std::vector<int> opts = pu.thread_options.empty() ? std::vector<int>{pu.cores} : pu.thread_options;
  if (leaves_core(plan, prof, i)) opts.erase(std::remove(opts.begin(), opts.end(), pu.cores), opts.end());
  return opts;
}

// Every combination of thread counts for the CPU PUs this plan uses (others keep their maximum).
void expand_threads(const Plan& base, const Profile& prof, const std::function<void(const Plan&)>& out) {
  const int np = static_cast<int>(prof.pus.size());
  const uint32_t used = pu_mask(base);
  Plan plan = base;
  plan.threads.assign(np, 1);
  std::vector<std::vector<int>> opts(static_cast<size_t>(np));
  for (int i = 0; i < np; ++i) {
    opts[size_t(i)] = thread_options(base, prof, i);
    plan.threads[i] = prof.pus[i].kind != PuKind::CPU ? 1 : opts[size_t(i)].back();
  }
  std::vector<int> varying;
  for (int i = 0; i < np; ++i)
    if ((used >> i & 1u) && prof.pus[i].kind == PuKind::CPU && opts[size_t(i)].size() > 1) varying.push_back(i);
  std::vector<size_t> idx(varying.size(), 0);
  while (true) {
    for (size_t v = 0; v < varying.size(); ++v) plan.threads[varying[v]] = opts[size_t(varying[v])][idx[v]];
    out(plan);
    size_t v = 0;
    while (v < varying.size() && ++idx[v] == opts[size_t(varying[v])].size()) idx[v++] = 0;
    if (v == varying.size()) break;
  }
}
}  // namespace

bool leaves_core(const Plan& plan, const Profile& prof, int i) {
  const ProcessingUnit& pu = prof.pus[size_t(i)];
  if (pu.kind != PuKind::CPU || plan.mode != Mode::Overlapped || !plan.speculative()) return false;
  if (pu.cores < 4 || std::find(pu.thread_options.begin(), pu.thread_options.end(), pu.cores - 1) == pu.thread_options.end())
    return false;
  const uint32_t target = pu_mask(plan.target), draft = pu_mask(plan.draft);
  const uint32_t other = (target >> i & 1u) ? draft : (draft >> i & 1u) ? target : 0u;
  for (int j = 0; j < int(prof.pus.size()); ++j)
    if ((other >> j & 1u) && prof.pus[size_t(j)].kind != PuKind::CPU) return true;
  return false;
}

void for_each_plan(const Profile& prof, const ModelSpec& draft, const ModelSpec& target, const PlanSpaceOptions& opt,
                   const std::function<void(const Plan&)>& out) {
  std::vector<DType> tdt = opt.target_dtypes.empty() ? std::vector<DType>{target.weight_dtype} : opt.target_dtypes;
  std::vector<DType> ddt = opt.draft_dtypes.empty() ? std::vector<DType>{draft.weight_dtype} : opt.draft_dtypes;
  auto tpl = placements(prof, target.n_layers, opt.splits, std::max(1, opt.split_step), true);
  auto dpl = placements(prof, draft.n_layers, false, 1, false);
  for (DType td : tdt) {
    for (auto t : tpl) {
      t.dtype = td;
      Plan plain;
      plain.target = t;
      expand_threads(plain, prof, out);
      for (DType dd : ddt) {
        for (auto d : dpl) {
          d.dtype = dd;
          for (int g = 1; g <= opt.max_gamma; ++g) {
            Plan p;
            p.target = t;
            p.draft = d;
            p.gamma = g;
            p.mode = Mode::Sequential;
            expand_threads(p, prof, out);
            if (opt.overlapped && (pu_mask(t) & pu_mask(d)) == 0) {
              p.mode = Mode::Overlapped;
              expand_threads(p, prof, out);
            }
          }
        }
      }
    }
  }
}

size_t count_plans(const Profile& prof, const ModelSpec& draft, const ModelSpec& target, const PlanSpaceOptions& opt) {
  size_t n = 0;
  for_each_plan(prof, draft, target, opt, [&](const Plan&) { ++n; });
  return n;
}

std::vector<Plan> enumerate_plans(const Profile& prof, const ModelSpec& draft, const ModelSpec& target,
                                  const PlanSpaceOptions& opt) {
  std::vector<Plan> out;
  for_each_plan(prof, draft, target, opt, [&](const Plan& p) { out.push_back(p); });
  return out;
}

}  // namespace hetspec
