// What the CPU we run on can do, detected once at run time (the cpuid instruction and XCR0 on
// x86 — so that the OS saves the wide registers — and getauxval(AT_HWCAP) on aarch64).
// The kernels pick their path (CpuPath) from this; compile-time flags only enable per-file ISAs.
#pragma once

namespace hetspec {

struct CpuFeatures {
  bool avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false, avx512vnni = false;
  bool neon = false, dotprod = false;
};

const CpuFeatures& cpu_features();

}  // namespace hetspec
