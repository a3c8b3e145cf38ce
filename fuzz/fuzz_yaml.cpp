// libFuzzer targets for the strict YAML loaders, one executable per kind (HETSPEC_FUZZ_KIND):
// 1 profile / SoC description, 2 model spec, 3 plan (against the toy SoC), 4 acceptance file.
#include <cstdint>

#include "fuzz_input.hpp"
#include "hetspec/cost/acceptance.hpp"
#include "hetspec/model/model_spec.hpp"
#include "hetspec/plan/plan.hpp"
#include "hetspec/profile/profile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hetspec;
  const std::string& path = fuzz::as_file(data, size, ".yaml");
#if HETSPEC_FUZZ_KIND == 1
  fuzz::expect_clean([&] { (void)load_profile(path); });
#elif HETSPEC_FUZZ_KIND == 2
  fuzz::expect_clean([&] { (void)load_model_spec(path); });
#elif HETSPEC_FUZZ_KIND == 3
  static const Profile soc = load_profile(HETSPEC_SOURCE_DIR "/tests/fixtures/toy-soc.yaml");
  fuzz::expect_clean([&] { (void)load_plan(path, soc, 16, 28); });
#elif HETSPEC_FUZZ_KIND == 4
  fuzz::expect_clean([&] { (void)parse_alpha(path); });
#else
#error "HETSPEC_FUZZ_KIND must be 1..4"
#endif
  return 0;
}
