// Which build of hetspec made an output: the CMake project version and the git revision the build
// was configured from (`git describe --always --dirty` at configure time, "unknown" outside git).
// `hetspec --version` prints them, and every JSON output carries version_string() as
// "hetspec_version" (core/output_stamp.hpp), so a result file names the tool that wrote it.
#pragma once
#include <string>

namespace hetspec {

const char* version();       // "0.1.0" (CMake project VERSION)
const char* git_revision();  // "1bc355e", "1bc355e-dirty" or "unknown"
std::string version_string();  // "0.1.0+1bc355e": the version with the revision as build metadata

}  // namespace hetspec
