// The profile's `executor:` block (written by `hetspec profile --engine llama.cpp`), read as strictly
// as the rest: an unknown engine, a thread count twice, absurd or non-finite terms are errors naming the key.
#include <cmath>
#include <set>

#include "profile_parse.hpp"

namespace hetspec::profile_parse {

namespace {
double signed_term(const YamlMap& y, const std::string& key) {
  const double v = y.get<double>(key);
  if (!std::isfinite(v) || std::fabs(v) > 1e7)
    throw Error(y.where(key), "must be a finite number within ±1e7 (µs), got " + y.node()[key].Scalar());
  return v;
}
}  // namespace

ExecutorModel parse_executor(const YamlMap& y, const std::set<std::string>& ids) {
  ExecutorModel x;
  x.engine = y.get<std::string>("engine");
  if (x.engine != "hetspec" && x.engine != "llama.cpp")
    throw Error(y.where("engine"), "must be hetspec or llama.cpp, got '" + x.engine + "'");
  std::set<std::pair<std::string, int>> seen;
  for (auto& l : y.maps_or_empty("loop")) {
    LoopTerms t;
    t.threads = l.positive_int("threads");
    if (t.threads > 4096) throw Error(l.where("threads"), "absurd thread count");
    if (l.has("pu")) t.pu = l.get<std::string>("pu");
    if (!ids.count(t.pu)) throw Error(l.where("pu"), "names PU '" + t.pu + "' that the profile lacks");
    if (!seen.insert({t.pu, t.threads}).second)
      throw Error(l.where("threads"), "thread count " + std::to_string(t.threads) + " listed twice for " + t.pu);
    t.iteration_us = signed_term(l, "iteration_us");
    t.drafted_us = signed_term(l, "drafted_us");
    t.plain_us = l.has("plain_us") ? signed_term(l, "plain_us") : 0.0;
    t.runs = l.has("runs") ? l.get<int>("runs") : 0;
    if (t.runs < 0 || t.runs > 1000000) throw Error(l.where("runs"), "must be in 0..1000000");
    t.residual_cv = bounded(l, "residual_cv", 10, true, 0, false);
    l.done();
    x.loop.push_back(t);
  }
  if (!x.loop.empty() && x.engine != "llama.cpp")
    throw Error(y.where("loop"), "loop terms describe llama.cpp's loop: engine must be llama.cpp");
  y.done();
  return x;
}

}  // namespace hetspec::profile_parse
