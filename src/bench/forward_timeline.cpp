#include "hetspec/bench/forward_timeline.hpp"

#include <cstdio>

namespace hetspec::bench {

std::string format_forward_timeline(const ForwardTimeline& t) {
  std::string out;
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "kernels on %s over %d one-token forwards (profiling events; medians per step): %.0f launches, GPU busy "
                "%.1f us (%.2f us per launch), first-to-last kernel %.1f us, host wall %.1f us\n",
                t.device.c_str(), t.steps, t.launches, t.busy_us, t.launches > 0 ? t.busy_us / t.launches : 0.0, t.span_us,
                t.wall_us);
  out += buf;
  std::snprintf(buf, sizeof buf, "  %-44s %9s %10s %12s\n", "kernel", "per step", "median us", "us per step");
  out += buf;
  for (const auto& k : t.kernels) {
    std::snprintf(buf, sizeof buf, "  %-44s %9.1f %10.2f %12.1f\n", k.name.c_str(), k.per_token, k.median_us, k.us_per_token);
    out += buf;
  }
  return out;
}

nlohmann::json forward_timeline_json(const ForwardTimeline& t) {
  nlohmann::json j;
  j["device"] = t.device;
  j["steps"] = t.steps;
  j["launches_per_step"] = t.launches;
  j["busy_us"] = t.busy_us;
  j["span_us"] = t.span_us;
  j["wall_us"] = t.wall_us;
  for (const auto& k : t.kernels)
    j["kernels"].push_back({{"name", k.name}, {"per_step", k.per_token}, {"median_us", k.median_us}, {"us_per_step", k.us_per_token}});
  return j;
}

}  // namespace hetspec::bench
