// SentencePiece merge loop (see sentencepiece.hpp). Mirrors llama.cpp's llm_tokenizer_spm_session:
// candidates are pairs whose concatenated text is a piece, prioritised by that piece's score.
#include "hetspec/model/sentencepiece.hpp"

#include <queue>

namespace hetspec {

namespace {

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
  float score;
  uint32_t size;
  bool operator<(const Pair& o) const {  // highest score first, then leftmost
    return score < o.score || (score == o.score && left > o.left);
  }
};

}  // namespace

int32_t spm_byte_token(uint8_t b, const SpmVocabView& vocab) {
  static const char* hex = "0123456789ABCDEF";
  const std::string name = {'<', '0', 'x', hex[b >> 4], hex[b & 15], '>'};
  auto it = vocab.text_to_id.find(name);
  if (it != vocab.text_to_id.end()) return it->second;
  it = vocab.text_to_id.find(std::string(1, char(b)));
  if (it != vocab.text_to_id.end()) return it->second;
  return vocab.unk_id;
}

void spm_encode(std::string_view raw, bool add_prefix_space, const SpmVocabView& vocab,
                std::vector<int32_t>& out) {
  static const std::string kSpace = "\xE2\x96\x81";  // U+2581
  std::string text;
  text.reserve(raw.size() + 8);
  if (add_prefix_space) text += kSpace;
  for (char c : raw) {
    if (c == ' ') text += kSpace;
    else text.push_back(c);
  }
  if (text.empty()) return;

  std::vector<Symbol> sym;
  for (size_t off = 0; off < text.size();) {
    size_t n = std::min(text.size() - off, utf8_len(static_cast<unsigned char>(text[off])));
    int idx = int(sym.size());
    sym.push_back({idx - 1, off + n == text.size() ? -1 : idx + 1, uint32_t(off), uint32_t(n)});
    off += n;
  }
  std::priority_queue<Pair> queue;
  std::string scratch;
  auto add_pair = [&](int l, int r) {
    if (l < 0 || r < 0) return;
    scratch.assign(text, sym[l].start, sym[l].len + sym[r].len);
    auto it = vocab.text_to_id.find(scratch);
    if (it == vocab.text_to_id.end() || size_t(it->second) >= vocab.scores.size()) return;
    queue.push({l, r, vocab.scores[it->second], sym[l].len + sym[r].len});
  };
  for (int i = 1; i < int(sym.size()); ++i) add_pair(i - 1, i);
  while (!queue.empty()) {
    Pair p = queue.top();
    queue.pop();
    Symbol& l = sym[p.left];
    Symbol& r = sym[p.right];
    if (l.len == 0 || r.len == 0 || l.len + r.len != p.size) continue;  // stale
    l.len += r.len;
    r.len = 0;
    l.next = r.next;
    if (r.next >= 0) sym[r.next].prev = p.left;
    add_pair(l.prev, p.left);
    add_pair(p.left, l.next);
  }
  // Every merged symbol is a piece by construction; single characters may not be (byte fallback).
  for (int i = 0; i >= 0; i = sym[i].next) {
    scratch.assign(text, sym[i].start, sym[i].len);
    auto it = vocab.text_to_id.find(scratch);
    if (it != vocab.text_to_id.end()) {
      out.push_back(it->second);
      continue;
    }
    for (char c : scratch) out.push_back(spm_byte_token(static_cast<uint8_t>(c), vocab));
  }
}

}  // namespace hetspec
