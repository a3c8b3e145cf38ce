// NEON + dotprod path (armv8.2-a, SDOT): the kernels of matmul_neon_impl.hpp with Dot = true.
#include "matmul_internal.hpp"
#if defined(__aarch64__)
#include "matmul_neon_impl.hpp"
#endif

namespace hetspec::detail {
#if defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
RowsFn rows_fn_neon(DType t) { return neon_rows_fn<true>(t); }
#else
RowsFn rows_fn_neon(DType) { return nullptr; }
#endif
}  // namespace hetspec::detail
