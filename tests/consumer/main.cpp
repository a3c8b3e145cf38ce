// Calls the installed library: the pure speculative-decoding math, and (given the installed
// share/hetspec/configs) the strict profile and model loaders. Prints numbers a script can check.
#include <cstdio>
#include <string>

#include "hetspec/core/version.hpp"
#include "hetspec/cost/acceptance.hpp"
#include "hetspec/model/model_spec.hpp"
#include "hetspec/profile/profile.hpp"

int main(int argc, char** argv) {
  // E[tokens/iter] at alpha 0.8 and gamma 4: (1 - 0.8^5) / (1 - 0.8) = 3.36160
  std::printf("expected_tokens %.5f\n", hetspec::expected_tokens({0.8}, 4));
  if (argc > 1) {
    const std::string configs = argv[1];
    const hetspec::Profile p = hetspec::load_profile(configs + "/socs/nxp-imx95.yaml");
    const hetspec::ModelSpec m = hetspec::load_model_spec(configs + "/models/llama-3.2-3b.yaml");
    std::printf("profile %s with %zu PUs; %s has %d layers\n", p.name.c_str(), p.pus.size(), m.name.c_str(), m.n_layers);
  }
  std::printf("library %s\n", hetspec::version_string().c_str());
  return 0;
}
