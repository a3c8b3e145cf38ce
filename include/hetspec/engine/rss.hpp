// Resident memory of this process (Linux /proc/self/status), to show that model weights are mapped,
// not copied: peak RSS must stay under file size + KV cache + a small working set.
#pragma once
#include <cstdint>

namespace hetspec {

int64_t current_rss_bytes();  // VmRSS; -1 where /proc is unavailable
int64_t peak_rss_bytes();     // VmHWM; -1 where /proc is unavailable

}  // namespace hetspec
