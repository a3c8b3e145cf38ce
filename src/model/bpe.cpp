// Byte-level BPE merge loop with a priority queue of candidate pairs (O(n log n) per word): stale
// entries (a side already merged away or grown) are skipped when popped, as in llama.cpp.
#include "hetspec/model/bpe.hpp"

#include <array>
#include <queue>

#include "hetspec/model/pretokenizer.hpp"

namespace hetspec {

namespace {

const std::array<uint32_t, 256>& byte_table() {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    std::array<bool, 256> direct{};
    for (int b = '!'; b <= '~'; ++b) direct[b] = true;
    for (int b = 0xA1; b <= 0xAC; ++b) direct[b] = true;
    for (int b = 0xAE; b <= 0xFF; ++b) direct[b] = true;
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) t[b] = direct[b] ? uint32_t(b) : next++;
    return t;
  }();
  return table;
}

size_t utf8_len(unsigned char c) {
  static const size_t lookup[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return lookup[c >> 4];
}

struct Symbol {
  int prev, next;
  uint32_t start, len;
};

struct Pair {
  int left, right;
  int rank;
  uint32_t size;
  bool operator<(const Pair& o) const {  // priority_queue pops the "largest": lowest rank, leftmost
    return rank > o.rank || (rank == o.rank && left > o.left);
  }
};

}  // namespace

uint32_t byte_to_unicode(uint8_t b) { return byte_table()[b]; }

int byte_from_unicode(uint32_t cpt) {
  if (cpt < 256) {
    const auto& t = byte_table();
    return t[cpt] == cpt ? int(cpt) : -1;
  }
  if (cpt < 256 + 68) {
    const auto& t = byte_table();
    for (int b = 0; b < 256; ++b)
      if (t[b] == cpt) return b;
  }
  return -1;
}

std::string byte_encode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) append_utf8(out, byte_to_unicode(b));
  return out;
}

BpeMerges::BpeMerges(const std::vector<std::string>& merges) {
  ranks_.reserve(merges.size() * 2);
  for (size_t i = 0; i < merges.size(); ++i) {
    const std::string& m = merges[i];
    const size_t sp = m.find(' ', 1);
    std::string key = sp == std::string::npos ? std::string(1, '\0')
                                              : m.substr(0, sp) + '\0' + m.substr(sp + 1);
    ranks_.emplace(std::move(key), int(i));  // first occurrence wins, as llama.cpp's emplace
  }
}

int BpeMerges::rank(std::string_view left, std::string_view right, std::string& key) const {
  key.assign(left);
  key.push_back('\0');
  key.append(right);
  auto it = ranks_.find(key);
  return it == ranks_.end() ? -1 : it->second;
}

void bpe_encode_word(std::string_view word, const BpeMerges& merges,
                     const std::unordered_map<std::string, int32_t>& vocab, bool ignore_merges,
                     std::vector<int32_t>& out) {
  if (word.empty()) return;
  if (ignore_merges) {
    auto it = vocab.find(std::string(word));
    if (it != vocab.end()) {
      out.push_back(it->second);
      return;
    }
  }
  std::vector<Symbol> sym;
  for (size_t off = 0; off < word.size();) {
    size_t n = std::min(word.size() - off, utf8_len(static_cast<unsigned char>(word[off])));
    int idx = int(sym.size());
    sym.push_back({idx - 1, off + n == word.size() ? -1 : idx + 1, uint32_t(off), uint32_t(n)});
    off += n;
  }
  auto text = [&](int i) { return word.substr(sym[i].start, sym[i].len); };
  std::priority_queue<Pair> queue;
  std::string scratch;
  auto add_pair = [&](int l, int r) {
    if (l < 0 || r < 0) return;
    int rk = merges.rank(text(l), text(r), scratch);
    if (rk >= 0) queue.push({l, r, rk, sym[l].len + sym[r].len});
  };
  for (int i = 1; i < int(sym.size()); ++i) add_pair(i - 1, i);
  while (!queue.empty()) {
    Pair p = queue.top();
    queue.pop();
    Symbol& l = sym[p.left];
    Symbol& r = sym[p.right];
    if (l.len == 0 || r.len == 0 || l.next != p.right || l.len + r.len != p.size) continue;  // stale
    l.len += r.len;
    r.len = 0;
    l.next = r.next;
    if (r.next >= 0) sym[r.next].prev = p.left;
    add_pair(l.prev, p.left);
    add_pair(p.left, l.next);
  }
  for (int i = 0; i >= 0; i = sym[i].next) {
    std::string piece(text(i));
    auto it = vocab.find(piece);
    if (it != vocab.end()) {
      out.push_back(it->second);
      continue;
    }
    for (char c : piece) {  // llama.cpp: single bytes of the encoded text that are tokens
      auto jt = vocab.find(std::string(1, c));
      if (jt != vocab.end()) out.push_back(jt->second);
    }
  }
}

}  // namespace hetspec
