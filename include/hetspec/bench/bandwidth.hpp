// Read bandwidth of the CPU vs working-set size (16 KiB .. >= 1 GiB): the curve tells the cost
// model which regime a model's weights are in (L2 / last-level cache / DRAM) on this host, instead of
// a single cache_bytes threshold. The same streaming read is the yardstick of bench_matmul.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "hetspec/bench/measure.hpp"
#include "hetspec/profile/profile.hpp"

namespace hetspec {
class ThreadPool;
}

namespace hetspec::bench {

// Sums 64-bit words (four accumulators; the compiler vectorizes it) so nothing is written back.
uint64_t read_sum(const uint64_t* p, size_t words);

// Seconds to read `bytes` of buf once, split over the pool's threads (pool == nullptr: 1 thread).
double read_pass_seconds(const uint64_t* buf, size_t bytes, ThreadPool* pool);

// Working sets from 16 KiB, x4 per step, up to max_bytes (included).
std::vector<double> working_sets(double max_bytes);

// Sustained read GB/s at each working-set size: the set is read repeatedly (>= ~4 MB per sample so
// small sets are not dominated by the pool's wake-up), median over repetitions.
std::vector<BandwidthPoint> read_bandwidth_curve(const std::vector<double>& sizes, ThreadPool* pool,
                                                 const MeasureOptions& opt);

}  // namespace hetspec::bench
