// Writers for `hetspec run`: summary.json (the RunReport; phase names and fields as in Estimate /
// PhaseTimes, so prediction and measurement join phase by phase), trace.json (every request and
// iteration of every arm), outputs.jsonl (the generated texts), and the terminal table.
#pragma once
#include <string>

#include "hetspec/spec/experiment.hpp"
#include "hetspec/spec/run_report.hpp"

namespace hetspec {

std::string run_summary_json(const RunReport& r);
std::string run_trace_json(const ExperimentResult& res, bool timing_mode);
std::string run_outputs_jsonl(const ExperimentResult& res, const std::vector<PromptItem>& prompts);
std::string run_table(const RunReport& r);

}  // namespace hetspec
