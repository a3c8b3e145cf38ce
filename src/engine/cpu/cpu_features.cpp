#include "hetspec/engine/cpu/cpu_features.hpp"

#include "hetspec/engine/cpu/matmul.hpp"

#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace hetspec {

namespace {
CpuFeatures detect() {
  CpuFeatures f;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  f.avx2 = __builtin_cpu_supports("avx2");
  f.fma = __builtin_cpu_supports("fma");
  f.f16c = __builtin_cpu_supports("f16c");
  f.avx512f = __builtin_cpu_supports("avx512f");
  f.avx512bw = __builtin_cpu_supports("avx512bw");
  f.avx512vl = __builtin_cpu_supports("avx512vl");
  f.avx512dq = __builtin_cpu_supports("avx512dq");
  f.avx512vnni = __builtin_cpu_supports("avx512vnni");
#elif defined(__aarch64__)
  f.neon = true;  // mandatory in armv8-a
#if defined(__linux__) && defined(HWCAP_ASIMDDP)
  f.dotprod = (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#endif
#endif
  return f;
}
}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = detect();
  return f;
}

bool cpu_path_supported(CpuPath p) {
  const CpuFeatures& f = cpu_features();
  switch (p) {
    case CpuPath::Scalar: return true;
    case CpuPath::AVX2: return f.avx2 && f.fma && f.f16c;
    case CpuPath::AVX512:
      return f.avx2 && f.fma && f.f16c && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.avx512vnni;
    case CpuPath::NEON: return f.neon;
    case CpuPath::NEONDot: return f.neon && f.dotprod;
  }
  return false;
}

std::vector<CpuPath> supported_cpu_paths() {
  std::vector<CpuPath> out;
  for (CpuPath p : {CpuPath::Scalar, CpuPath::NEON, CpuPath::NEONDot, CpuPath::AVX2, CpuPath::AVX512})
    if (cpu_path_supported(p)) out.push_back(p);
  return out;
}

CpuPath best_cpu_path() {
  static const CpuPath best = supported_cpu_paths().back();
  return best;
}

const char* cpu_path_name(CpuPath p) {
  switch (p) {
    case CpuPath::Scalar: return "scalar";
    case CpuPath::AVX2: return "avx2";
    case CpuPath::AVX512: return "avx512";
    case CpuPath::NEON: return "neon";
    case CpuPath::NEONDot: return "neon-dotprod";
  }
  return "?";
}

}  // namespace hetspec
