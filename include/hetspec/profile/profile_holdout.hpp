// Why: a profile measures a grid (token counts m, GEMM shapes), and the cost model interpolates between
// its points (interpolate_table) and scales the nearest shape for a shape it lacks. Whether that is
// right is checked from one profile alone: hide some of its measured points, predict them the way the
// cost model would from the rest, and compare (`hetspec profile --holdout P.yaml`; issue 15's
// "interpolation predicts what it did not measure").
#pragma once
#include <string>
#include <vector>

#include "hetspec/profile/profile.hpp"

namespace hetspec {

struct HoldoutGroup {
  std::string name;           // e.g. "cpu t1 m" (held-out m) or "cpu t1 shape" (held-out shapes)
  std::vector<double> errors; // (predicted - measured) / measured of every held-out point
  double median_abs() const;
  double p90_abs() const;
  double max_abs() const;
};

struct HoldoutResult {
  std::vector<HoldoutGroup> groups;  // per PU and thread count: held-out m, then held-out shapes
  HoldoutGroup all_m, all_shapes;
};

// Pure. Held-out m: in every kernel table with more than `keep_m` points of which at least two are
// kept, the points at m not in keep_m are predicted from the kept ones by interpolate_table.
// Held-out shapes: every table's points at the kept m are predicted from the nearest other table
// (same PU, dtype and thread count; nearest in log(k·n)) scaled by k·n, as the cost model prices a
// shape it has no table for.
HoldoutResult holdout_interpolation(const Profile& p, const std::vector<int>& keep_m);
std::string format_holdout(const HoldoutResult& r, const std::vector<int>& keep_m);

}  // namespace hetspec
