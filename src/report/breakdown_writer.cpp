#include "hetspec/report/breakdown_writer.hpp"
#include "hetspec/core/output_stamp.hpp"
#include "hetspec/core/utf8.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hetspec/report/sweep_writer.hpp"

namespace hetspec {

namespace {
std::string ms_short(double us) {  // "12.345", no padding
  char b[32];
  std::snprintf(b, sizeof b, "%.3f", us / 1e3);
  return b;
}

std::string ms(double us) {  // right-aligned for the phase column
  char b[32];
  std::snprintf(b, sizeof b, "%10.3f", us / 1e3);
  return b;
}

struct Term {
  const char* name;
  double ForwardBreakdown::*field;
};
const Term kTerms[] = {{"qkv", &ForwardBreakdown::qkv},         {"attention", &ForwardBreakdown::attention},
                       {"o", &ForwardBreakdown::o},             {"gate+up", &ForwardBreakdown::gate_up},
                       {"down", &ForwardBreakdown::down},       {"elementwise", &ForwardBreakdown::elementwise},
                       {"head", &ForwardBreakdown::head},       {"launch", &ForwardBreakdown::launch},
                       {"calibrated", &ForwardBreakdown::calibrated}};

void subgraph_table(std::ostringstream& o, const char* title, const ForwardTiming& f, double times, const Profile& prof) {
  o << title << "\n";
  for (size_t i = 0; i < prof.pus.size(); ++i) {
    const ForwardBreakdown& b = f.per_pu[i];
    if (b.total() <= 0) continue;
    o << "  on " << prof.pus[i].id << ":";
    for (const auto& t : kTerms)
      if (b.*t.field != 0) o << " " << t.name << " " << ms_short(b.*t.field * times);
    o << "  = " << ms_short(b.total() * times) << " ms\n";
  }
  if (f.transfer_us > 0 || f.handoff_us > 0)
    o << "  transfers " << ms_short(f.transfer_us * times) << " ms, hand-offs " << ms_short(f.handoff_us * times)
      << " ms\n";
}

nlohmann::json forward_json(const ForwardTiming& f, const Profile& prof) {
  nlohmann::json j = nlohmann::json::object();
  for (size_t i = 0; i < prof.pus.size(); ++i) {
    const ForwardBreakdown& b = f.per_pu[i];
    if (b.total() <= 0) continue;
    nlohmann::json pj;
    for (const auto& t : kTerms) pj[t.name] = b.*t.field / 1e3;
    pj["total"] = b.total() / 1e3;
    j[prof.pus[i].id] = pj;
  }
  j["transfer"] = f.transfer_us / 1e3;
  j["handoff"] = f.handoff_us / 1e3;
  return j;
}
}  // namespace

std::string breakdown_text(const Plan& plan, const PlanTiming& t, const Estimate& e, double baseline_us,
                           const BreakdownContext& c) {
  std::ostringstream o;
  const Profile& prof = *c.prof;
  o << "plan: " << describe_plan(plan, prof, c.draft->n_layers, c.target->n_layers) << "  threads "
    << threads_label(plan, prof) << "\n";
  o << "SoC " << prof.name << "  target " << c.target->name << " (" << dtype_name(plan.target.dtype) << ")";
  if (plan.speculative()) o << "  draft " << c.draft->name << " (" << dtype_name(plan.draft.dtype) << ")";
  o << "  alpha " << c.acc->source << "  P=" << c.workload.prompt_tokens << " G=" << c.workload.gen_tokens << "\n";
  if (!e.feasible) {
    o << "INFEASIBLE: " << e.reason << "\n";
    return o.str();
  }
  o << "\nper iteration (ms):\n";
  const PhaseTimes& p = e.phases;
  o << "  draft steps    " << ms(p.draft) << "\n  verify         " << ms(p.verify) << "\n  draft catch-up " << ms(p.catchup)
    << "\n  host sampling  " << ms(p.host) << "\n  transfers      " << ms(p.transfer) << "\n  hand-offs      "
    << ms(p.handoff) << "\n";
  if (plan.mode == Mode::Overlapped) o << "  overlap        " << ms(p.overlap) << "  (hidden by drafting during verify)\n";
  o << "  = iteration    " << ms(e.iter_us) << "\n\n";
  o << "per subgraph (one iteration):\n";
  bool overlapped = plan.mode == Mode::Overlapped;
  const int draft_fwd = overlapped ? plan.gamma + 1 : plan.gamma;  // overlapped: also guesses the bonus token
  if (plan.speculative())
    subgraph_table(o, ("draft, " + std::to_string(draft_fwd) + " x one token" + (overlapped ? " (contended)" : "")).c_str(),
                   overlapped ? t.draft1_c : t.draft1, draft_fwd, prof);
  subgraph_table(o, ("target verify of " + std::to_string(plan.gamma + 1) + " tokens" + (overlapped ? " (contended)" : "")).c_str(),
                 overlapped ? t.verify_c : t.verify, 1, prof);
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "\nexpected tokens/iteration %.3f (P[all accepted] %.3f)\nper-token latency %.3f ms  (%.2f tokens/s)\n"
                "TTFT %.1f ms, request (P=%d, G=%d) %.1f ms\n",
                e.tokens_per_iter, e.p_all_accepted, e.per_token_us / 1e3, e.tokens_per_s, e.ttft_us / 1e3,
                c.workload.prompt_tokens, c.workload.gen_tokens, e.request_us / 1e3);
  o << buf;
  if (baseline_us > 0) {
    std::snprintf(buf, sizeof buf, "speedup vs best plain decoding (%.3f ms/token): %.3fx\n", baseline_us / 1e3,
                  baseline_us / e.per_token_us);
    o << buf;
  }
  o << "memory per PU (GB): " << memory_label(t, prof) << "\n";
  o << "dominant term: " << e.dominant << "\n";
  return o.str();
}

std::string breakdown_json(const Plan& plan, const PlanTiming& t, const Estimate& e, double baseline_us,
                           const BreakdownContext& c) {
  nlohmann::json j;
  const Profile& prof = *c.prof;
  stamp_output(j, "hetspec.prediction/1");
  j["plan"] = describe_plan(plan, prof, c.draft->n_layers, c.target->n_layers);
  j["threads"] = threads_label(plan, prof);
  j["feasible"] = e.feasible;
  if (!e.feasible) {
    j["reason"] = e.reason;
    return json_text(j, 1) + "\n";
  }
  j["phases_ms"] = {{"draft", e.phases.draft / 1e3},       {"verify", e.phases.verify / 1e3},
                    {"catchup", e.phases.catchup / 1e3},   {"host", e.phases.host / 1e3},
                    {"transfer", e.phases.transfer / 1e3}, {"handoff", e.phases.handoff / 1e3},
                    {"overlap", e.phases.overlap / 1e3}};
  bool ov = plan.mode == Mode::Overlapped;
  if (plan.speculative()) j["draft_step"] = forward_json(ov ? t.draft1_c : t.draft1, prof);
  j["verify"] = forward_json(ov ? t.verify_c : t.verify, prof);
  j["iteration_ms"] = e.iter_us / 1e3;
  j["tokens_per_iter"] = e.tokens_per_iter;
  j["per_token_ms"] = e.per_token_us / 1e3;
  j["tokens_per_s"] = e.tokens_per_s;
  j["ttft_ms"] = e.ttft_us / 1e3;
  j["request_ms"] = e.request_us / 1e3;
  j["baseline_per_token_ms"] = baseline_us / 1e3;
  j["speedup"] = baseline_us > 0 ? baseline_us / e.per_token_us : 0;
  j["dominant"] = e.dominant;
  return json_text(j, 1) + "\n";
}

}  // namespace hetspec
