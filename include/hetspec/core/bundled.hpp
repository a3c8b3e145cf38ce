// Bundled data by name, so an installed hetspec works without its source tree:
// `--soc nxp-imx95` means configs/socs/nxp-imx95.yaml of the first data directory that has it:
//   $HETSPEC_DATA_DIR/configs, <exe>/../share/hetspec/configs (an install: `cmake --install`, the .deb),
//   <exe>/../configs (a build directory inside the source tree, e.g. build/hetspec),
// where <exe> is the running executable's directory (/proc/self/exe). An argument that is an existing
// file, or holds a '/', is a path and is returned as it is. A name found nowhere is an Error naming it
// and every place looked.
#pragma once
#include <string>
#include <vector>

namespace hetspec {

enum class Bundled { Soc, Model, Plan, Prompts };

std::string resolve_bundled(const std::string& arg, Bundled kind);

// The configs/ directories searched, in order (existing or not).
std::vector<std::string> bundled_config_dirs();

}  // namespace hetspec
