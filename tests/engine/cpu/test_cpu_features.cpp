// The run-time CPU feature detection (cpuid + XCR0, written out so clang builds it too) agrees with
// the kernel's view in /proc/cpuinfo, which lists only what the CPU has and the OS enabled.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "hetspec/engine/cpu/cpu_features.hpp"
#include "support/skip.hpp"

TEST_CASE("x86 CPU features match /proc/cpuinfo", "[cpu]") {
#if defined(__x86_64__) && defined(__linux__)
  std::ifstream in("/proc/cpuinfo");
  std::set<std::string> flags;
  for (std::string line; std::getline(in, line);)
    if (line.rfind("flags", 0) == 0) {
      std::istringstream ss(line.substr(line.find(':') + 1));
      for (std::string f; ss >> f;) flags.insert(f);
      break;
    }
  REQUIRE(!flags.empty());
  const hetspec::CpuFeatures& f = hetspec::cpu_features();
  CHECK(f.avx2 == flags.count("avx2"));
  CHECK(f.fma == flags.count("fma"));
  CHECK(f.f16c == flags.count("f16c"));
  CHECK(f.avx512f == flags.count("avx512f"));
  CHECK(f.avx512bw == flags.count("avx512bw"));
  CHECK(f.avx512vl == flags.count("avx512vl"));
  CHECK(f.avx512dq == flags.count("avx512dq"));
  CHECK(f.avx512vnni == flags.count("avx512_vnni"));
#if defined(__GNUC__) && !defined(__clang__)
  CHECK(f.f16c == bool(__builtin_cpu_supports("f16c")));
  CHECK(f.avx512vnni == bool(__builtin_cpu_supports("avx512vnni")));
#endif
#else
  HS_SKIP("not x86-64 Linux");
#endif
}
