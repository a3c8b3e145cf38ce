// The verify-cost curve of a validation, per target PU: T(m)/T(1), what a target forward over
// m = γ + 1 tokens costs against one token, predicted (the cost model's verify phase of each
// sequential plan) and measured (the same phase in its trace), each normalised by the plain-decoding
// plan (γ = 0) on the same PU. The curve decides how much speculation can gain on a PU whatever the
// acceptance; where the measured points bend away from the predicted line, the profile's verify
// curve for that PU is off.
#pragma once
#include <string>
#include <vector>

#include "hetspec/report/svg.hpp"
#include "hetspec/spec/validate.hpp"

namespace hetspec {

struct VerifyCurve {
  std::string pu;                                // the target's placement, e.g. "target=cpu head=cpu"
  std::vector<svg::Point> predicted, measured;   // x = m (tokens verified), y = T(m)/T(1); m = 1 first
};

// One curve per unsplit target placement that has a measured γ = 0 plan; per γ, the mean over the
// sequential plans of that placement (drafts on any PU). Plans not measured give no measured point.
std::vector<VerifyCurve> verify_curves(const Validation& v);
std::string verify_curve_svg(const Validation& v);

}  // namespace hetspec
