#include "hetspec/engine/cpu/cpu_features.hpp"

#include "hetspec/engine/cpu/matmul.hpp"

#include <cstdint>

#if defined(__x86_64__)
#include <cpuid.h>
#endif
#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace hetspec {

namespace {
CpuFeatures detect() {
  CpuFeatures f;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  // CPUID bits plus the OS's saved register state (XCR0), as __builtin_cpu_supports does; read
  // directly because clang 15's __builtin_cpu_supports does not know "f16c".
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = c >> 27 & 1u, avx = c >> 28 & 1u;
  uint64_t xcr0 = 0;
  if (osxsave) {
    uint32_t lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    xcr0 = uint64_t(hi) << 32 | lo;
  }
  const bool ymm = avx && (xcr0 & 0x6) == 0x6;     // SSE and AVX state saved
  const bool zmm = ymm && (xcr0 & 0xE0) == 0xE0;   // opmask, ZMM_Hi256, Hi16_ZMM state saved
  f.fma = ymm && (c >> 12 & 1u);
  f.f16c = ymm && (c >> 29 & 1u);
  unsigned b7 = 0, c7 = 0;
  if (__get_cpuid_max(0, nullptr) >= 7) __cpuid_count(7, 0, a, b7, c7, d);
  f.avx2 = ymm && (b7 >> 5 & 1u);
  f.avx512f = zmm && (b7 >> 16 & 1u);
  f.avx512dq = zmm && (b7 >> 17 & 1u);
  f.avx512bw = zmm && (b7 >> 30 & 1u);
  f.avx512vl = zmm && (b7 >> 31 & 1u);
  f.avx512vnni = zmm && (c7 >> 11 & 1u);
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
