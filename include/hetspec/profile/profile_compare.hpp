// Why: a profile is only worth calibrating against if measuring the same machine twice gives the same
// numbers. This matches every measured entry of two profiles (kernel tables, LM head, attention,
// element-wise, whole forwards, bandwidth, transfers, launch/sync) by its key, and summarises the
// relative differences per category: the run-to-run stability figure of `hetspec profile --compare`.
#pragma once
#include <string>
#include <vector>

#include "hetspec/profile/profile.hpp"

namespace hetspec {

struct CompareCategory {
  std::string name;           // "matmul", "head", "attention", "elementwise", "forward", "bandwidth", ...
  std::vector<double> diffs;  // |a - b| / mean(a, b) of every matched point
  double median() const;
  double p90() const;
  double max() const;
};

struct ProfileComparison {
  std::vector<CompareCategory> categories;  // only categories with matched points
  CompareCategory kernels;                  // matmul + head + attention + elementwise together
  int unmatched = 0;                        // entries present in only one of the two
};

// Pure: entries are matched by PU id and their keys (shape, dtype, threads, m, n, model, bytes).
ProfileComparison compare_profiles(const Profile& a, const Profile& b);
std::string format_comparison(const ProfileComparison& c, const std::string& a_name, const std::string& b_name);

}  // namespace hetspec
