#include "hetspec/bench/forward_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "hetspec/bench/host.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/cost/single_forward.hpp"
#include "profile_models.hpp"

namespace hetspec::bench {

std::vector<CheckRow> check_forward_model(const Profile& prof, const CheckOptions& c) {
  std::vector<std::string> devices = c.devices;
  if (devices.empty())
    for (const auto& p : prof.pus) devices.push_back(p.id);
  DeviceRegistry reg;
  std::vector<CheckRow> rows;
  const auto models = open_profile_models(c.models, c.model_cache.empty() ? ".models" : c.model_cache);
  for (const auto& model : models) {
    const ModelSpec& s = model->spec();
    for (const auto& dev : devices) {
      int pu = prof.pu_index(dev);
      if (pu < 0) throw Error("--devices", "the profile has no PU '" + dev + "'");
      const ProcessingUnit& p = prof.pus[size_t(pu)];
      std::vector<int> threads = p.kind == PuKind::CPU ? p.thread_options : std::vector<int>{1};
      for (int t : threads) {
        for (const ForwardCheck& f : bench_forward(*model, p.engine.empty() ? p.id : p.engine, t, reg, c.ms, c.ns, c.opt)) {
          CheckRow r;
          r.model = s.name;
          r.pu = dev;
          r.threads = t;
          r.m = f.m;
          r.n = f.n;
          r.measured_us = f.us;
          r.measured_cv = f.cv;
          r.predicted_us = single_pu_forward_us(s, prof, pu, t, f.m, f.n, f.m);
          rows.push_back(r);
        }
      }
    }
  }
  return rows;
}

std::string format_check(const std::vector<CheckRow>& rows) {
  std::string o;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-18s %-6s %3s %4s %5s %12s %12s %7s %8s\n", "model", "pu", "thr", "m", "n",
                "predicted_ms", "measured_ms", "cv", "error");
  o += buf;
  std::map<std::string, std::vector<double>> by;
  for (const auto& r : rows) {
    std::snprintf(buf, sizeof buf, "%-18s %-6s %3d %4d %5d %12.3f %12.3f %6.1f%% %+7.1f%%\n", r.model.c_str(),
                  r.pu.c_str(), r.threads, r.m, r.n, r.predicted_us / 1e3, r.measured_us / 1e3, r.measured_cv * 100,
                  r.error() * 100);
    o += buf;
    by["all"].push_back(std::fabs(r.error()));
    by[r.pu + " t" + std::to_string(r.threads)].push_back(std::fabs(r.error()));
    by[r.model].push_back(std::fabs(r.error()));
  }
  for (auto& [k, v] : by) {
    std::sort(v.begin(), v.end());
    double med = v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
    std::snprintf(buf, sizeof buf, "%-22s points %3zu  median |error| %5.1f%%  max %5.1f%%\n", k.c_str(), v.size(),
                  med * 100, v.back() * 100);
    o += buf;
  }
  return o;
}

}  // namespace hetspec::bench
