#include "hetspec/report/sweep_writer.hpp"
#include "hetspec/core/output_stamp.hpp"
#include "hetspec/core/text_escape.hpp"
#include "hetspec/core/utf8.hpp"

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hetspec/cost/memory.hpp"

namespace hetspec {

namespace {
std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

// Per-PU footprint recomputed from the plan (cheap; keeps Estimate small).
std::array<PuUse, kMaxPus> footprint(const Plan& p, const SweepContext& c) {
  std::array<PuUse, kMaxPus> use{};
  const Workload& w = c.workload;
  int ctx = w.prompt_tokens + w.gen_tokens + p.gamma + 1;
  int rows = std::max(p.gamma + 1, w.prompt_tokens);
  add_model_memory(*c.target, p.target, *c.prof, rows, ctx, use);
  if (p.speculative()) add_model_memory(*c.draft, p.draft, *c.prof, rows, ctx, use);
  return use;
}

std::string mem_label(const std::array<PuUse, kMaxPus>& use, const Profile& prof) {
  std::string s;
  for (size_t i = 0; i < prof.pus.size(); ++i)
    if (use[i].total() > 0) s += (s.empty() ? "" : " ") + prof.pus[i].id + ":" + fmt("%.2f", use[i].total() / 1e9);
  return s;
}

std::string dtypes_label(const Plan& p) {
  std::string s = dtype_name(p.target.dtype);
  if (p.speculative()) s += std::string("/") + dtype_name(p.draft.dtype);
  return s;
}

void pad(std::ostringstream& o, const std::string& s, size_t w) {
  o << s;
  for (size_t i = s.size(); i < w; ++i) o << ' ';
  o << ' ';
}
}  // namespace

std::string threads_label(const Plan& p, const Profile& prof) {
  const uint32_t used = pu_mask(p);
  std::string s;
  for (size_t i = 0; i < prof.pus.size(); ++i)
    if ((used >> i & 1u) && prof.pus[i].kind == PuKind::CPU)
      s += (s.empty() ? "" : " ") + prof.pus[i].id + "=" + std::to_string(p.threads[i]);  // no comma: CSV cell
  return s.empty() ? "-" : s;
}

std::string memory_label(const PlanTiming& t, const Profile& prof) { return mem_label(t.memory, prof); }

std::string sweep_table(const SweepResult& r, const SweepContext& c, size_t top) {
  std::ostringstream o;
  const Profile& prof = *c.prof;
  o << "SoC " << prof.name << " (" << prof.kind << ")  target " << c.target->name << "  draft " << c.draft->name
    << "  alpha " << c.acc->source << "  request P=" << c.workload.prompt_tokens << " G=" << c.workload.gen_tokens
    << (c.workload.greedy ? " greedy" : "")
    << "\n";
  o << r.evaluated << " plans evaluated (" << r.feasible_total << " feasible, " << r.infeasible_total
    << " infeasible) in " << fmt("%.3f", r.seconds) << " s";
  if (r.ranked.size() < r.feasible_total) o << "; the best " << r.ranked.size() << " kept (--top)";
  o << "\n\n";
  const std::vector<std::pair<std::string, size_t>> cols = {
      {"rank", 4}, {"draft", 10}, {"target", 22}, {"head", 10}, {"gamma", 5}, {"mode", 10}, {"threads", 22},
      {"dtype t/d", 10}, {"ms/tok", 8}, {"tok/s", 7}, {"E[tok]", 6}, {"speedup", 7}, {"ttft ms", 8}, {"mem GB per PU", 14}};
  for (auto& [name, w] : cols) pad(o, name, w);
  o << "\n";
  size_t n = std::min(top, r.ranked.size());
  for (size_t i = 0; i < n; ++i) {
    const auto& row = r.ranked[i];
    const Plan& p = row.plan;
    const Estimate& e = row.est;
    std::vector<std::string> cells = {
        std::to_string(i + 1),
        p.speculative() ? describe_placement(p.draft, prof, c.draft->n_layers) : "-",
        describe_placement(p.target, prof, c.target->n_layers),
        prof.pus[p.target.head_pu].id,
        std::to_string(p.gamma),
        p.speculative() ? mode_name(p.mode) : "plain",
        threads_label(p, prof),
        dtypes_label(p),
        fmt("%.2f", e.per_token_us / 1e3),
        fmt("%.2f", e.tokens_per_s),
        fmt("%.2f", e.tokens_per_iter),
        fmt("%.3f", e.speedup),
        fmt("%.1f", e.ttft_us / 1e3),
        mem_label(footprint(p, c), prof)};
    for (size_t j = 0; j < cols.size(); ++j) pad(o, cells[j], cols[j].second);
    o << "\n";
  }
  o << "\n";
  for (const auto& [dt, b] : r.baseline)
    o << "baseline (plain decoding, best single PU, " << dtype_name(dt) << "): target on " << prof.pus[b.plan.target.pu].id
      << " threads " << threads_label(b.plan, prof) << ": " << fmt("%.2f", b.est.per_token_us / 1e3) << " ms/token ("
      << fmt("%.2f", b.est.tokens_per_s) << " tok/s)\n";
  if (r.baseline.empty())
    o << "baseline: no plain-decoding plan on a single PU is feasible, so speedups and break-even are undefined\n";
  else if (r.break_even_alpha < 0)
    o << "break-even acceptance: none - no speculative plan beats plain decoding even at alpha = 1\n";
  else
    o << "break-even acceptance: alpha >= " << fmt("%.3f", r.break_even_alpha)
      << " (smallest scalar alpha at which the best speculative plan beats plain decoding)\n";
  if (!r.ranked.empty()) {
    const auto& b = r.ranked.front();
    o << "best plan: " << describe_plan(b.plan, prof, c.draft->n_layers, c.target->n_layers) << " threads "
      << threads_label(b.plan, prof) << " -> " << fmt("%.3f", b.est.speedup) << "x, dominated by " << b.est.dominant
      << "\n";
  }
  return o.str();
}

std::string sweep_infeasible_table(const SweepResult& r, const SweepContext& c, size_t max_rows) {
  std::ostringstream o;
  o << r.infeasible_total << " infeasible plans:\n";
  for (const auto& [reason, count] : r.infeasible_reasons) o << "  " << count << " x " << reason << "\n";
  size_t n = std::min(max_rows, r.infeasible.size());
  for (size_t i = 0; i < n; ++i) {
    const auto& row = r.infeasible[i];
    o << "  " << describe_plan(row.plan, *c.prof, c.draft->n_layers, c.target->n_layers) << " threads "
      << threads_label(row.plan, *c.prof) << ": " << row.est.reason << "\n";
  }
  if (n < r.infeasible_total)
    o << "  ... (" << r.infeasible_total - n << " more"
      << (r.infeasible.size() < r.infeasible_total ? ", " + std::to_string(r.infeasible.size() - n) + " of them in the JSON/CSV output)\n"
                                                   : " in the JSON/CSV output)\n");
  return o.str();
}

namespace {
nlohmann::json placement_json(const ModelPlacement& m, const Profile& prof) {
  nlohmann::json j;
  j["pu"] = prof.pus[m.pu].id;
  if (m.is_split()) j["split"] = {{"at", m.split}, {"pu", prof.pus[m.split_pu].id}};
  j["head"] = prof.pus[m.head_pu].id;
  j["dtype"] = dtype_name(m.dtype);
  return j;
}

nlohmann::json row_json(const SweepRow& row, const SweepContext& c) {
  const Plan& p = row.plan;
  const Estimate& e = row.est;
  const Profile& prof = *c.prof;
  nlohmann::json j;
  j["plan"]["gamma"] = p.gamma;
  j["plan"]["mode"] = p.speculative() ? mode_name(p.mode) : "plain";
  j["plan"]["target"] = placement_json(p.target, prof);
  if (p.speculative()) j["plan"]["draft"] = placement_json(p.draft, prof);
  nlohmann::json th = nlohmann::json::object();
  for (size_t i = 0; i < prof.pus.size(); ++i)
    if (prof.pus[i].kind == PuKind::CPU) th[prof.pus[i].id] = p.threads[i];
  j["plan"]["threads"] = th;
  j["feasible"] = e.feasible;
  if (!e.feasible) {
    j["reason"] = e.reason;
    return j;
  }
  j["per_token_ms"] = e.per_token_us / 1e3;
  j["tokens_per_s"] = e.tokens_per_s;
  j["tokens_per_iter"] = e.tokens_per_iter;
  j["iteration_ms"] = e.iter_us / 1e3;
  j["speedup"] = e.speedup;
  j["ttft_ms"] = e.ttft_us / 1e3;
  j["request_ms"] = e.request_us / 1e3;
  j["p_all_accepted"] = e.p_all_accepted;
  j["dominant"] = e.dominant;
  j["phases_ms"] = {{"draft", e.phases.draft / 1e3},       {"verify", e.phases.verify / 1e3},
                    {"catchup", e.phases.catchup / 1e3},   {"host", e.phases.host / 1e3},
                    {"transfer", e.phases.transfer / 1e3}, {"handoff", e.phases.handoff / 1e3},
                    {"overlap", e.phases.overlap / 1e3}};
  auto use = footprint(p, c);
  nlohmann::json mem = nlohmann::json::object();
  for (size_t i = 0; i < prof.pus.size(); ++i)
    if (use[i].total() > 0) mem[prof.pus[i].id] = use[i].total() / 1e9;
  j["memory_gb"] = mem;
  return j;
}
}  // namespace

std::string sweep_json(const SweepResult& r, const SweepContext& c) {
  nlohmann::json j;
  stamp_output(j, "hetspec.sweep/1");
  j["soc"] = c.prof->name;
  j["profile_kind"] = c.prof->kind;
  j["target"] = c.target->name;
  j["draft"] = c.draft->name;
  j["alpha"] = c.acc->source;
  j["workload"] = {{"prompt_tokens", c.workload.prompt_tokens}, {"gen_tokens", c.workload.gen_tokens},
                   {"greedy", c.workload.greedy}};
  j["evaluated"] = r.evaluated;
  j["feasible_total"] = r.feasible_total;      // "ranked" holds all of them, or the best --top N
  j["infeasible_total"] = r.infeasible_total;  // "infeasible" holds all of them, or the first --top N
  j["break_even_alpha"] = r.break_even_alpha < 0 ? nlohmann::json(nullptr) : nlohmann::json(r.break_even_alpha);
  nlohmann::json base = nlohmann::json::object();
  for (const auto& [dt, row] : r.baseline) base[dtype_name(dt)] = row_json(row, c);
  j["baseline"] = base;
  j["ranked"] = nlohmann::json::array();
  for (const auto& row : r.ranked) j["ranked"].push_back(row_json(row, c));
  j["infeasible"] = nlohmann::json::array();
  for (const auto& row : r.infeasible) j["infeasible"].push_back(row_json(row, c));
  return json_text(j, 1) + "\n";
}

std::string sweep_csv(const SweepResult& r, const SweepContext& c) {
  std::ostringstream o;
  const Profile& prof = *c.prof;
  o << "rank,feasible,draft,target,head,gamma,mode,threads,target_dtype,draft_dtype,per_token_ms,tokens_per_s,"
       "tokens_per_iter,speedup,ttft_ms,request_ms,draft_ms,verify_ms,catchup_ms,host_ms,transfer_ms,handoff_ms,"
       "overlap_ms,memory_gb,reason\n";
  auto line = [&](size_t rank, const SweepRow& row) {
    const Plan& p = row.plan;
    const Estimate& e = row.est;
    o << rank << "," << (e.feasible ? 1 : 0) << ","
      << csv_field(p.speculative() ? describe_placement(p.draft, prof, c.draft->n_layers) : "-") << ","
      << csv_field(describe_placement(p.target, prof, c.target->n_layers)) << ","
      << csv_field(prof.pus[p.target.head_pu].id) << "," << p.gamma << ","
      << (p.speculative() ? mode_name(p.mode) : "plain") << "," << csv_field(threads_label(p, prof)) << ","
      << dtype_name(p.target.dtype) << "," << (p.speculative() ? dtype_name(p.draft.dtype) : "-") << ",";
    if (e.feasible) {
      o << fmt("%.4f", e.per_token_us / 1e3) << "," << fmt("%.4f", e.tokens_per_s) << ","
        << fmt("%.4f", e.tokens_per_iter) << "," << fmt("%.4f", e.speedup) << "," << fmt("%.3f", e.ttft_us / 1e3)
        << "," << fmt("%.3f", e.request_us / 1e3) << "," << fmt("%.4f", e.phases.draft / 1e3) << ","
        << fmt("%.4f", e.phases.verify / 1e3) << "," << fmt("%.4f", e.phases.catchup / 1e3) << ","
        << fmt("%.4f", e.phases.host / 1e3) << "," << fmt("%.4f", e.phases.transfer / 1e3) << ","
        << fmt("%.4f", e.phases.handoff / 1e3) << "," << fmt("%.4f", e.phases.overlap / 1e3) << ","
        << csv_field(mem_label(footprint(p, c), prof)) << ",\n";
    } else {
      o << ",,,,,,,,,,,,,," << csv_field(e.reason, true) << "\n";
    }
  };
  for (size_t i = 0; i < r.ranked.size(); ++i) line(i + 1, r.ranked[i]);
  for (const auto& row : r.infeasible) line(0, row);
  return o.str();
}

}  // namespace hetspec
