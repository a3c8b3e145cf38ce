// `hetspec profile --show FILE`: a measured profile for a terminal — provenance, bandwidth curve,
// launch / sync / transfer overheads, contention, and the verify-cost curve T(m)/T(1) per model and
// PU (measured whole forwards, and the sum of each PU's matmul tables) that decides how long drafts
// may be.
#pragma once
#include <string>

#include "hetspec/profile/profile.hpp"

namespace hetspec {

std::string profile_summary(const Profile& p);

}  // namespace hetspec
