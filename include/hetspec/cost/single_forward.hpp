// The cost model's whole forward of one model on one PU, as a sweep prices it (model_forward with
// every layer and the head on that PU): what `hetspec profile --check` compares with forwards
// measured through a Runner. Pure.
#pragma once
#include <cstdint>

#include "hetspec/cost/spec_cost.hpp"

namespace hetspec {

// m new tokens after n cached positions, logits for `rows` rows; threads for a CPU PU. The PU's
// streamed weight set is the model's own (layers + head).
double single_pu_forward_us(const ModelSpec& s, const Profile& prof, int pu, int threads, int64_t m, double n,
                            int64_t rows);

}  // namespace hetspec
