#include "hetspec/bench/rounds.hpp"

#include <utility>

namespace hetspec::bench {

namespace {

double median_of(std::vector<double> v) { return summarize(std::move(v)).median; }

// Column i of a list of per-round vectors.
template <class T, class F>
std::vector<double> column(const std::vector<const T*>& rs, F get) {
  std::vector<double> c;
  for (const T* r : rs) c.push_back(get(*r));
  return c;
}

template <class T, class Same>
std::vector<const T*> same_grid(const std::vector<T>& rounds, Same same) {
  std::vector<const T*> rs;
  for (const auto& r : rounds)
    if (same(rounds.front(), r)) rs.push_back(&r);
  return rs;
}

}  // namespace

KernelTable merge_rounds(const std::vector<KernelTable>& rounds) {
  if (rounds.size() < 2) return rounds.empty() ? KernelTable{} : rounds.front();
  auto rs = same_grid(rounds, [](const KernelTable& a, const KernelTable& b) {
    return a.k == b.k && a.n == b.n && a.dtype == b.dtype && a.threads == b.threads && a.m == b.m &&
           a.us.size() == b.us.size() && a.wall_us.size() == b.wall_us.size();
  });
  KernelTable t = rounds.front();
  t.cv.assign(t.m.size(), 0);
  for (size_t i = 0; i < t.m.size(); ++i) {
    auto us = column(rs, [&](const KernelTable& r) { return r.us[i]; });
    Measurement s = summarize(us);
    t.us[i] = s.median;
    t.cv[i] = s.cv;
    if (!t.wall_us.empty()) t.wall_us[i] = median_of(column(rs, [&](const KernelTable& r) { return r.wall_us[i]; }));
  }
  t.set_bytes = median_of(column(rs, [](const KernelTable& r) { return r.set_bytes; }));
  return t;
}

AttentionTable merge_rounds(const std::vector<AttentionTable>& rounds) {
  if (rounds.size() < 2) return rounds.empty() ? AttentionTable{} : rounds.front();
  auto rs = same_grid(rounds, [](const AttentionTable& a, const AttentionTable& b) {
    return a.n_heads == b.n_heads && a.n_kv_heads == b.n_kv_heads && a.head_dim == b.head_dim &&
           a.threads == b.threads && a.m == b.m && a.n == b.n && a.us.size() == b.us.size();
  });
  AttentionTable t = rounds.front();
  for (size_t i = 0; i < t.us.size(); ++i)
    for (size_t j = 0; j < t.us[i].size(); ++j)
      t.us[i][j] = median_of(column(rs, [&](const AttentionTable& r) { return r.us[i][j]; }));
  return t;
}

ElementwiseTable merge_rounds(const std::vector<ElementwiseTable>& rounds) {
  if (rounds.size() < 2) return rounds.empty() ? ElementwiseTable{} : rounds.front();
  auto rs = same_grid(rounds, [](const ElementwiseTable& a, const ElementwiseTable& b) {
    return a.d_model == b.d_model && a.ffn_dim == b.ffn_dim && a.threads == b.threads && a.m == b.m &&
           a.us.size() == b.us.size();
  });
  ElementwiseTable t = rounds.front();
  for (size_t i = 0; i < t.us.size(); ++i)
    t.us[i] = median_of(column(rs, [&](const ElementwiseTable& r) { return r.us[i]; }));
  return t;
}

ForwardCheck merge_rounds(const std::vector<ForwardCheck>& rounds) {
  if (rounds.size() < 2) return rounds.empty() ? ForwardCheck{} : rounds.front();
  auto rs = same_grid(rounds, [](const ForwardCheck& a, const ForwardCheck& b) {
    return a.model == b.model && a.threads == b.threads && a.m == b.m && a.n == b.n;
  });
  ForwardCheck f = rounds.front();
  Measurement s = summarize(column(rs, [](const ForwardCheck& r) { return r.us; }));
  f.us = s.median;
  f.cv = s.cv;
  return f;
}

std::vector<BandwidthPoint> merge_rounds(const std::vector<std::vector<BandwidthPoint>>& rounds) {
  if (rounds.size() < 2) return rounds.empty() ? std::vector<BandwidthPoint>{} : rounds.front();
  auto same = [](const std::vector<BandwidthPoint>& a, const std::vector<BandwidthPoint>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i].bytes != b[i].bytes) return false;
    return true;
  };
  auto rs = same_grid(rounds, same);
  std::vector<BandwidthPoint> c = rounds.front();
  for (size_t i = 0; i < c.size(); ++i)
    c[i].gbps = median_of(column(rs, [&](const std::vector<BandwidthPoint>& r) { return r[i].gbps; }));
  return c;
}

}  // namespace hetspec::bench
