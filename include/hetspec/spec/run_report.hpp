// A run's results as the figures `hetspec run` prints and writes (summary.json), computed from the
// experiment's traces: a summary per arm, speedup of the plan over the best single-PU baseline and
// over plain decoding on the plan's own target placement (95% bootstrap intervals over prompts), and
// the provenance of the run (host, devices, command).
#pragma once
#include <string>
#include <vector>

#include "hetspec/spec/experiment.hpp"
#include "hetspec/spec/summary.hpp"

namespace hetspec {

struct RunReport {
  std::string schema = "hetspec.run-summary/1";
  std::string command, date, host, cpu_path, plan_yaml, prompts_file, profile_name;
  SpecOptions opt;
  bool timing_mode = false;
  std::string target, draft;
  std::vector<ArmSummary> arms;       // arms[0] = the plan
  bool has_baseline = false, has_plan_target = false;
  Interval speedup;                    // vs "baseline" (best single PU)
  Interval speedup_plan_target;        // vs "plan-target"
  std::vector<std::pair<std::string, double>> baseline_candidates;
};

RunReport make_run_report(const ExperimentResult& res, const SpecOptions& opt);
// "CPU model, N cores" and the CPU kernel path.
std::string host_description();

}  // namespace hetspec
