#include "hetspec/spec/llamacpp_output.hpp"

#include <algorithm>
#include <regex>
#include <sstream>

#include "hetspec/core/error.hpp"

namespace hetspec {

namespace {

// A number from the last line of `log` matching `re` (llama.cpp prints its summary at the end).
double number(const std::string& log, const std::regex& re, int group, const std::string& where, const char* what) {
  std::istringstream in(log);
  std::string line, last;
  bool found = false;
  while (std::getline(in, line))
    if (std::regex_search(line, re)) {
      last = line;
      found = true;
    }
  std::smatch m;
  if (!found || !std::regex_search(last, m, re))
    throw Error(where, std::string("no '") + what + "' line in the tool's output (llama.cpp's output format changed?)");
  try {
    return std::stod(m[size_t(group)].str());
  } catch (...) {
    throw Error(where, std::string("unreadable number in the '") + what + "' line");
  }
}

}  // namespace

SpeculativeOutput parse_llama_speculative(const std::string& log, const std::string& where) {
  static const std::regex dec(R"(decoded\s+(\d+) tokens in\s+([0-9.]+) seconds)");
  static const std::regex ndraft(R"(\bn_draft\s+=\s+(\d+))");
  static const std::regex ndrafted(R"(\bn_drafted\s+=\s+(\d+))");
  static const std::regex naccept(R"(\bn_accept\s+=\s+(\d+))");
  static const std::regex enc(R"(encoded\s+(\d+) tokens in)");
  SpeculativeOutput o;
  o.n_predict = int(number(log, dec, 1, where, "decoded N tokens in S seconds"));
  o.decode_s = number(log, dec, 2, where, "decoded N tokens in S seconds");
  o.n_input = int(number(log, enc, 1, where, "encoded N tokens in S seconds"));
  o.n_draft = int(number(log, ndraft, 1, where, "n_draft ="));
  o.n_drafted = int(number(log, ndrafted, 1, where, "n_drafted ="));
  o.n_accept = int(number(log, naccept, 1, where, "n_accept ="));
  if (o.n_predict <= 0 || !(o.decode_s > 0)) throw Error(where, "decoded no tokens");
  if (o.n_accept > o.n_drafted) throw Error(where, "n_accept exceeds n_drafted");
  return o;
}

int SpeculativeOutput::n_verify() const {
  return n_draft > 0 ? std::max(1, (n_drafted + n_draft - 1) / n_draft) : n_predict;
}

double CompletionOutput::decode_us() const {
  return 1e3 * (eval_ms + sampling_ms * double(eval_runs) / double(std::max(1, generated)));
}

CompletionOutput parse_llama_completion(const std::string& log, const std::string& where) {
  // "common_perf_print:        eval time = 190.59 ms / 15 runs" (not the "prompt eval time" line)
  static const std::regex eval(R"((^|[^t]\s)\s*eval time =\s+([0-9.]+) ms /\s+(\d+) runs)");
  static const std::regex samp(R"(\bsampling time =\s+([0-9.]+) ms)");
  CompletionOutput o;
  o.eval_ms = number(log, eval, 2, where, "eval time = X ms / N runs");
  o.eval_runs = int(number(log, eval, 3, where, "eval time = X ms / N runs"));
  o.sampling_ms = number(log, samp, 1, where, "sampling time = Y ms");
  o.generated = o.eval_runs + 1;
  static const std::regex prompt(R"(prompt eval time =\s+[0-9.]+ ms /\s+(\d+) tokens)");
  if (std::smatch m; std::regex_search(log, m, prompt)) o.prompt_tokens = std::stoi(m[1].str());
  if (o.eval_runs <= 0 || !(o.eval_ms > 0)) throw Error(where, "decoded no tokens (eval time has no runs)");
  return o;
}

}  // namespace hetspec
