// Per-path op tables (ops.cpp holds the scalar one and the dispatch); a path's table may leave
// entries null, which the dispatcher fills with the scalar op.
#pragma once
#include "hetspec/engine/cpu/ops.hpp"

namespace hetspec::detail {
CpuOps ops_scalar();
CpuOps ops_avx2();    // all null off x86
CpuOps ops_avx512();  // all null off x86
CpuOps ops_neon();    // all null off aarch64
}  // namespace hetspec::detail
