#include "hetspec/bench/llama_bench.hpp"

#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hetspec/bench/measure.hpp"
#include "hetspec/core/atomic_write.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/core/subprocess.hpp"
#include "hetspec/core/text_escape.hpp"
#include "hetspec/cost/forward_cost.hpp"

namespace hetspec {

namespace {
std::string join(const std::vector<int>& v) {
  std::string s;
  for (int x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
  return s;
}
}  // namespace

std::vector<LlamaBenchPoint> parse_llama_bench_json(const std::string& text, const std::string& where) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_array()) throw Error(where, "llama-bench output is not a JSON array (expected -o json)");
  std::vector<LlamaBenchPoint> out;
  for (size_t i = 0; i < j.size(); ++i) {
    const auto& e = j[i];
    const std::string at = where + ": [" + std::to_string(i) + "]";
    auto need = [&](const char* k) -> const nlohmann::json& {
      if (!e.is_object() || !e.contains(k)) throw Error(at + "." + k, "missing (llama-bench's JSON format changed?)");
      return e.at(k);
    };
    auto num = [&](const char* k) {
      const auto& v = need(k);
      if (!v.is_number()) throw Error(at + "." + k, "expected a number");
      return v.get<double>();
    };
    LlamaBenchPoint p;
    p.m = int(num("n_prompt"));
    const int gen = int(num("n_gen"));
    p.n = int(num("n_depth"));
    p.threads = int(num("n_threads"));
    p.us = num("avg_ns") / 1e3;
    p.stddev_us = num("stddev_ns") / 1e3;
    if (need("model_filename").is_string()) p.model_file = e.at("model_filename");
    if (need("build_commit").is_string()) p.build_commit = e.at("build_commit");
    // The median of the repetitions where llama-bench lists them: on a shared machine one slowed
    // repetition moves the mean, not the median.
    if (e.contains("samples_ns") && e.at("samples_ns").is_array() && !e.at("samples_ns").empty()) {
      std::vector<double> v;
      for (const auto& x : e.at("samples_ns")) {
        if (!x.is_number()) throw Error(at + ".samples_ns", "expected numbers");
        v.push_back(x.get<double>());
      }
      // Its spread too: llama-bench's stddev over 5 runs with one stalled run gave a cv of 10.9, which
      // the profile loader rejects as absurd (2026-12-02, a busy 2-core VM); the scaled MAD does not.
      const bench::Measurement s = bench::summarize(v);
      p.us = s.median / 1e3;
      p.stddev_us = s.cv * p.us;
    }
    if (gen != 0 || p.m <= 0) continue;  // only prompt tests of m tokens are forwards of m tokens
    if (!(p.us > 0)) throw Error(at + ".avg_ns", "must be positive");
    out.push_back(p);
  }
  if (out.empty()) throw Error(where, "no prompt test (n_prompt > 0, n_gen = 0) in llama-bench's output");
  return out;
}

std::vector<LlamaBenchPoint> run_llama_bench(const LlamaBenchRun& r) {
  if (r.exe.empty() || access(r.exe.c_str(), X_OK) != 0)
    throw Error("--llama-bench", "'" + r.exe + "' is not an executable (scripts/llamacpp.sh builds one)");
  std::vector<std::string> argv = {r.exe, "-m", r.model, "-p", join(r.ms), "-n", "0", "-d", join(r.depths),
                                         "-t", join(r.threads), "-ngl", std::to_string(r.ngl), "-r",
                                         std::to_string(r.reps), "-o", "json"};
  if (!r.device.empty()) argv.insert(argv.end() - 2, {"-dev", r.device});
  std::string shown;
  for (const auto& a : argv) shown += (shown.empty() ? "" : " ") + shell_word(a);
  const ProcessResult p = run_process(argv, r.timeout_s);
  if (p.timed_out) throw Error("llama-bench", "'" + shown + "' did not finish within " + std::to_string(r.timeout_s) + " s (killed)");
  if (p.exit_code != 0)
    throw Error("llama-bench", "'" + shown + "' failed (" +
                                   (p.signal ? "signal " + std::to_string(p.signal) : "status " + std::to_string(p.exit_code)) +
                                   "): " + tail_line(p.err));
  return parse_llama_bench_json(p.out, shown);
}

int llama_device_pu(const Profile& base, const std::string& pu) {
  const int i = base.pu_index(pu);
  if (i < 0) throw Error("--device-map", "names PU '" + pu + "' that the base profile '" + base.name + "' lacks");
  if (base.pus[size_t(i)].kind == PuKind::CPU) throw Error("--device-map", "'" + pu + "' is the CPU: llama.cpp's -ngl 0 runs it");
  return i;
}

namespace {
// llama-bench's points as the forward checks of one PU: llama-bench computes the last row of logits
// only, a forward of the cost model all m (a verify), so the m − 1 rows are added as the base prices
// them on that PU.
void add_checks(ProcessingUnit& pu, const ProcessingUnit& priced_on, const ModelRuns& runs, bool cpu, std::string& commit) {
  for (const auto& [spec, pts] : runs)
    for (const auto& pt : pts) {
      ExecContext c;
      c.pu = &priced_on;
      c.threads = cpu ? pt.threads : 1;
      const double extra = pt.m > 1 ? head_cost(spec, c, pt.m).total() - head_cost(spec, c, 1).total() : 0.0;
      pu.forward_check.push_back({spec.name, c.threads, pt.m, pt.n, pt.us + std::max(0.0, extra),
                                  pt.us > 0 ? std::min(10.0, pt.stddev_us / pt.us) : 0.0});  // the loader's bound
      if (commit.empty()) commit = pt.build_commit;
    }
}
}  // namespace

Profile llama_bench_profile(const Profile& base, const ModelRuns& runs, const std::string& exe,
                            const std::vector<DeviceRuns>& devices) {
  Profile p = base;
  const int cpu = p.pu_index("cpu");
  if (cpu < 0) throw Error("--base", "has no cpu PU");
  ProcessingUnit pu = p.pus[size_t(cpu)];
  pu.forward_check.clear();
  std::string commit;
  add_checks(pu, p.pus[size_t(cpu)], runs, true, commit);
  // Plans may only use the thread counts llama.cpp was measured at (plain decoding included).
  pu.thread_options.clear();
  for (const auto& [spec, pts] : runs)
    for (const auto& pt : pts)
      if (std::find(pu.thread_options.begin(), pu.thread_options.end(), pt.threads) == pu.thread_options.end())
        pu.thread_options.push_back(pt.threads);
  std::sort(pu.thread_options.begin(), pu.thread_options.end());
  if (!pu.thread_options.empty()) pu.cores = std::max(pu.cores, pu.thread_options.back());
  pu.engine = "cpu";
  std::vector<ProcessingUnit> kept;
  std::string devs;
  for (const auto& d : devices) {
    const int i = llama_device_pu(base, d.pu);
    ProcessingUnit g = p.pus[size_t(i)];
    g.forward_check.clear();
    add_checks(g, p.pus[size_t(i)], d.runs, false, commit);
    g.name += " (llama.cpp " + d.device + ")";
    kept.push_back(g);
    devs += ", " + d.pu + " as " + d.device;
  }
  pu.name += " (llama.cpp " + commit + ")";
  kept.insert(kept.begin(), pu);
  p.pus = kept;
  std::vector<Link> links;  // those between the PUs kept
  for (const auto& l : p.links)
    if (p.pu_index(l.from) >= 0 && p.pu_index(l.to) >= 0) links.push_back(l);
  p.links = links;
  p.contention.clear();  // llama.cpp drafts and verifies in sequence: never both at once
  p.calibration = Calibration{};
  p.name = base.name + "-llamacpp";
  p.description = "llama.cpp " + commit + " on the CPU" + devs + ", whole forwards measured with llama-bench (" + exe +
                  "); host costs, bandwidth and kernel tables from " + base.name;
  p.source = "llama-bench " + commit + " JSON; hetspec profile " + base.name;
  p.resolve();
  return p;
}

}  // namespace hetspec
