// Why rounds: a point timed in one short burst carries whatever state the machine was in for those
// few milliseconds (a neighbour's burst on a shared VM, the page placement of a freshly allocated
// weight buffer, the clock), and every point of the burst shares it. Two quick profiles of one quiet
// machine differed by a median of 23 % per kernel while each point's spread within its burst was
// 0.3-4 %: whole tables moved together. So the profiler measures its kernel grid in several rounds
// spread over the run, each with fresh buffers, and keeps per point the median over rounds; the
// spread across rounds becomes the point's stored `cv` (what a second profile would see).
#pragma once
#include <vector>

#include "hetspec/bench/measure.hpp"
#include "hetspec/profile/profile.hpp"

namespace hetspec::bench {

// Per point, the median over rounds of the same grid (same shape key and m); `cv` becomes the spread
// across rounds, or stays the single round's own when there is one round. Rounds whose grid differs
// from the first are ignored.
KernelTable merge_rounds(const std::vector<KernelTable>& rounds);
AttentionTable merge_rounds(const std::vector<AttentionTable>& rounds);
ElementwiseTable merge_rounds(const std::vector<ElementwiseTable>& rounds);
// A whole forward: median time, spread across rounds as cv.
ForwardCheck merge_rounds(const std::vector<ForwardCheck>& rounds);
// Bandwidth curves over the same working sets: median GB/s per working set.
std::vector<BandwidthPoint> merge_rounds(const std::vector<std::vector<BandwidthPoint>>& rounds);

}  // namespace hetspec::bench
