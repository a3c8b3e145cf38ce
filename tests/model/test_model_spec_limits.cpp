// Checked size arithmetic and bounded spec sizes: absurd numbers are errors, never signed overflow.
#include <catch2/catch.hpp>

#include <cstdint>

#include "hetspec/core/checked.hpp"
#include "hetspec/core/error.hpp"
#include "hetspec/model/model_spec.hpp"

using namespace hetspec;

TEST_CASE("checked arithmetic and bounded spec sizes: no signed overflow", "[core][model][hardening]") {
  CHECK_THROWS_WITH(checked_mul(int64_t(1) << 40, int64_t(1) << 40, "w"), "w: size overflows 64 bits");
  CHECK(checked_mul(3, 4, "w") == 12);
  CHECK_THROWS_WITH(checked_add(INT64_MAX, 1, "w"), "w: size overflows 64 bits");
  ModelSpec s;
  s.name = "huge";
  s.n_layers = 1;
  s.d_model = 1 << 30;
  s.n_heads = s.n_kv_heads = 1 << 30;
  s.head_dim = 1 << 30;
  s.ffn_dim = 1 << 30;
  s.vocab = s.context = 1000;
  CHECK_THROWS_WITH(s.layer_params(), "huge: size overflows 64 bits");
  CHECK_THROWS_WITH(validate_model_spec(s, "m.yaml"), Catch::StartsWith("m.yaml: d_model: absurd size"));
}
