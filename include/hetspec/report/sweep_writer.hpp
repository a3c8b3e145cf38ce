// Renders a SweepResult: the ranked console table, JSON (every field, for tools) and CSV (one row
// per plan, for spreadsheets and plots). Pure string builders; the CLI writes them atomically.
#pragma once
#include <string>

#include "hetspec/plan/sweep.hpp"

namespace hetspec {

struct SweepContext {  // what the sweep was run on, echoed into every output
  const Profile* prof;
  const ModelSpec* draft;
  const ModelSpec* target;
  const Acceptance* acc;
  Workload workload;
};

std::string sweep_table(const SweepResult& r, const SweepContext& c, size_t top);
std::string sweep_infeasible_table(const SweepResult& r, const SweepContext& c, size_t max_rows);
std::string sweep_json(const SweepResult& r, const SweepContext& c);
std::string sweep_csv(const SweepResult& r, const SweepContext& c);
// Threads of the CPU PUs a plan uses: "cpu=6" or "cpu.big=4 cpu.little=2".
std::string threads_label(const Plan& p, const Profile& prof);
std::string memory_label(const PlanTiming& t, const Profile& prof);

}  // namespace hetspec
