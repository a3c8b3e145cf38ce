// How well a profile predicts whole forwards: for each model, PU and thread count, the cost model's
// forward (single_pu_forward_us, from the profile's tables) against forwards measured now through a
// Runner, m tokens after n cached, all m logit rows. `hetspec profile --check` prints it.
#pragma once
#include <string>
#include <vector>

#include "hetspec/bench/measure.hpp"
#include "hetspec/profile/profile.hpp"

namespace hetspec::bench {

struct CheckRow {
  std::string model, pu;
  int threads = 1, m = 1, n = 0;
  double predicted_us = 0, measured_us = 0, measured_cv = 0;
  double error() const { return measured_us > 0 ? (predicted_us - measured_us) / measured_us : 0; }
};

struct CheckOptions {
  std::vector<std::string> models;    // GGUF files or model spec YAML (random weights, cached)
  std::vector<std::string> devices;   // PU ids of the profile to check (default: all of them)
  std::vector<int> ms = {1, 2, 4, 8, 16};
  std::vector<int> ns = {64, 512};
  std::string model_cache;
  MeasureOptions opt;
};

std::vector<CheckRow> check_forward_model(const Profile& prof, const CheckOptions& c);
// A table of the rows, then median and max |error| overall and per PU.
std::string format_check(const std::vector<CheckRow>& rows);

}  // namespace hetspec::bench
