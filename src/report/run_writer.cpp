#include "hetspec/report/run_writer.hpp"
#include "hetspec/core/output_stamp.hpp"
#include "hetspec/core/utf8.hpp"

#include "hetspec/report/phase_json.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

namespace hetspec {

namespace {
using nlohmann::json;

json interval_json(const Interval& i) { return json{{"value", i.value}, {"lo95", i.lo}, {"hi95", i.hi}}; }
}  // namespace

std::string run_summary_json(const RunReport& r) {
  json j;
  stamp_output(j, r.schema);
  j["command"] = r.command;
  j["date"] = r.date;
  j["host"] = r.host;
  j["cpu_path"] = r.cpu_path;
  j["profile"] = r.profile_name;
  j["timing_mode"] = r.timing_mode;
  if (r.timing_mode)
    j["note"] = "timing mode: accept/reject decisions are seeded draws (--accept-rate); the output is not the target's text";
  j["target"] = r.target;
  j["draft"] = r.draft;
  j["plan"] = r.plan_yaml;
  j["prompts"] = r.prompts_file;
  j["sampler"] = {{"temperature", r.opt.sampler.temperature}, {"top_k", r.opt.sampler.top_k},
                  {"top_p", r.opt.sampler.top_p}, {"seed", r.opt.sampler.seed}};
  j["accept_rate"] = r.opt.accept_rate;
  j["max_new"] = r.opt.max_new;
  json arms = json::array();
  for (const auto& a : r.arms) {
    json acc = json::array();
    for (const auto& p : a.acceptance)
      acc.push_back({{"position", p.position}, {"reached", p.reached}, {"accepted", p.accepted},
                     {"rate", p.rate.value}, {"lo95", p.rate.lo}, {"hi95", p.rate.hi}});
    arms.push_back({{"name", a.name},
                    {"placement", a.placement},
                    {"gamma", a.gamma},
                    {"mode", a.mode},
                    {"requests", a.requests},
                    {"tokens", a.tokens},
                    {"tokens_per_s", a.tokens_per_s},
                    {"per_token_us", a.per_token_us},
                    {"ttft_us", a.ttft_us},
                    {"request_us", a.request_us},
                    {"iter_us", a.iter_us},
                    {"tokens_per_iter", a.tokens_per_iter},
                    {"p_all_accepted", a.p_all_accepted},
                    {"predrafted", a.predrafted},
                    {"host_share", a.host_share},
                    {"phases", phases_json(a.phases)},
                    {"acceptance", acc}});
  }
  j["arms"] = arms;
  if (r.has_baseline) j["speedup"] = interval_json(r.speedup);
  if (r.has_plan_target) j["speedup_vs_plan_target"] = interval_json(r.speedup_plan_target);
  json cands = json::array();
  for (const auto& [p, us] : r.baseline_candidates) cands.push_back({{"placement", p}, {"warmup_per_token_us", us}});
  j["baseline_candidates"] = cands;
  return json_text(j, 2) + "\n";
}

std::string run_trace_json(const ExperimentResult& res, bool timing_mode) {
  json j;
  stamp_output(j, "hetspec.run-trace/1");
  j["timing_mode"] = timing_mode;
  json arms = json::array();
  for (const auto& a : res.arms) {
    json reqs = json::array();
    for (const auto& t : a.requests) {
      json iters = json::array();
      for (const auto& it : t.iters) {
        json e = phases_json(it.phases);
        e["drafted"] = it.drafted;
        e["accepted"] = it.accepted;
        e["emitted"] = it.emitted;
        e["predrafted"] = it.predrafted;
        e["iter_us"] = it.iter_us;
        iters.push_back(e);
      }
      reqs.push_back({{"prompt_id", t.prompt_id},
                      {"prompt_tokens", t.prompt_tokens},
                      {"tokens", t.tokens},
                      {"draft_prefill_us", t.draft_prefill_us},
                      {"target_prefill_us", t.target_prefill_us},
                      {"ttft_us", t.ttft_us},
                      {"decode_us", t.decode_us},
                      {"request_us", t.request_us},
                      {"stopped", t.stopped},
                      {"iterations", iters}});
    }
    arms.push_back({{"name", a.name}, {"placement", a.placement}, {"gamma", a.gamma}, {"mode", mode_name(a.mode)},
                    {"requests", reqs}});
  }
  j["arms"] = arms;
  return json_text(j) + "\n";
}

std::string run_outputs_jsonl(const ExperimentResult& res, const std::vector<PromptItem>& prompts) {
  std::string out;
  for (const auto& a : res.arms)
    for (size_t i = 0; i < a.texts.size() && i < prompts.size(); ++i)
      out += json_text(json{{"arm", a.name}, {"id", prompts[i].id}, {"text", a.texts[i]}}) + "\n";
  return out;
}

std::string run_table(const RunReport& r) {
  std::ostringstream s;
  char buf[512];
  if (r.timing_mode) s << "TIMING MODE: acceptance drawn at --accept-rate; outputs are not the target's text\n";
  std::snprintf(buf, sizeof buf, "%-12s %5s %-10s %9s %10s %9s %8s %9s %7s  %s\n", "arm", "gamma", "mode", "tok/s",
                "ms/token", "TTFT ms", "tok/iter", "iter ms", "host%", "placement");
  s << buf;
  for (const auto& a : r.arms) {
    std::snprintf(buf, sizeof buf, "%-12s %5d %-10s %9.2f %10.3f %9.2f %8.2f %9.3f %6.2f%%  %s\n", a.name.c_str(),
                  a.gamma, a.mode.c_str(), a.tokens_per_s, a.per_token_us / 1e3, a.ttft_us / 1e3, a.tokens_per_iter,
                  a.iter_us / 1e3, 100 * a.host_share, a.placement.c_str());
    s << buf;
  }
  const ArmSummary& p = r.arms.front();
  if (!p.acceptance.empty()) {
    s << "acceptance per draft position (95% interval):";
    for (const auto& a : p.acceptance) {
      std::snprintf(buf, sizeof buf, "  %d: %.3f [%.3f, %.3f] (n=%lld)", a.position, a.rate.value, a.rate.lo, a.rate.hi,
                    (long long)a.reached);
      s << buf;
    }
    s << "\n";
    std::snprintf(buf, sizeof buf,
                  "plan phases per iteration (ms): draft %.3f  verify %.3f  catchup %.3f  host %.3f  transfer %.3f  "
                  "handoff %.3f  overlap %.3f\n",
                  p.phases.draft / 1e3, p.phases.verify / 1e3, p.phases.catchup / 1e3, p.phases.host / 1e3,
                  p.phases.transfer / 1e3, p.phases.handoff / 1e3, p.phases.overlap / 1e3);
    s << buf;
  }
  if (r.has_baseline) {
    std::snprintf(buf, sizeof buf, "speedup over the best single-PU baseline: %.3fx [%.3f, %.3f] (95%%, bootstrap over prompts)\n",
                  r.speedup.value, r.speedup.lo, r.speedup.hi);
    s << buf;
  }
  if (r.has_plan_target) {
    std::snprintf(buf, sizeof buf, "speedup over plain decoding on the plan's target placement: %.3fx [%.3f, %.3f]\n",
                  r.speedup_plan_target.value, r.speedup_plan_target.lo, r.speedup_plan_target.hi);
    s << buf;
  }
  return s.str();
}

}  // namespace hetspec
