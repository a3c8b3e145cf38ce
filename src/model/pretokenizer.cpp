// Hand-written equivalents of llama.cpp's pre-tokenizer regexes (see pretokenizer.hpp). Each split
// function takes the code points and the current pieces (lengths in code points) and returns the
// finer pieces; like llama.cpp, every regex only ever sees one piece at a time.
#include "hetspec/model/pretokenizer.hpp"

#include <algorithm>
#include <array>
#include <functional>

#include "hetspec/core/error.hpp"
#include "pretokenizer_unicode.hpp"

namespace hetspec {

namespace {

struct PreName {
  const char* name;
  PreTokenizer pre;
};
const PreName kPreNames[] = {
    {"default", PreTokenizer::Default},     {"gpt-2", PreTokenizer::Gpt2},
    {"phi-2", PreTokenizer::Gpt2},          {"mpt", PreTokenizer::Gpt2},
    {"olmo", PreTokenizer::Gpt2},           {"smollm", PreTokenizer::Smollm},
    {"starcoder", PreTokenizer::Smollm},    {"refact", PreTokenizer::Smollm},
    {"command-r", PreTokenizer::Smollm},    {"codeshell", PreTokenizer::Smollm},
    {"exaone", PreTokenizer::Smollm},       {"minerva-7b", PreTokenizer::Smollm},
    {"llama-bpe", PreTokenizer::Llama3},    {"llama3", PreTokenizer::Llama3},
    {"llama-v3", PreTokenizer::Llama3},     {"falcon3", PreTokenizer::Llama3},
    {"dbrx", PreTokenizer::Llama3},         {"smaug-bpe", PreTokenizer::Llama3},
    {"qwen2", PreTokenizer::Qwen2},         {"deepseek-r1-qwen", PreTokenizer::Qwen2},
    {"stablelm2", PreTokenizer::Qwen2},     {"megrez", PreTokenizer::Qwen2},
};

using Pieces = std::vector<size_t>;  // lengths in code points, summing to the text length
constexpr uint32_t kNone = 0xFFFFFFFF;

// A view of one piece [ini, end) of the code points with llama.cpp's out-of-range conventions:
// positions outside the piece read as "no code point" with no class bits.
struct Span {
  const std::vector<uint32_t>& cpts;
  size_t ini, end;
  uint32_t cpt(size_t p) const { return p >= ini && p < end ? cpts[p] : kNone; }
  uint8_t flags(size_t p) const { return p >= ini && p < end ? unicode_flags(cpts[p]) : 0; }
  bool in(size_t p) const { return p >= ini && p < end; }
  bool letter(size_t p) const { return flags(p) & kUniLetter; }
  bool number(size_t p) const { return flags(p) & kUniNumber; }
  bool space(size_t p) const { return flags(p) & kUniWhitespace; }
  // [^\s\p{L}\p{N}]: inside the piece and none of the three classes.
  bool other(size_t p) const { return in(p) && !(flags(p) & (kUniLetter | kUniNumber | kUniWhitespace)); }
};

uint32_t ascii_lower(uint32_t c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

// Length of a contraction 's 't 're 've 'm 'll 'd at p (0 if none); case-insensitive for Llama 3.
size_t contraction_len(const Span& s, size_t p, bool any_case) {
  if (s.cpt(p) != '\'' || !s.in(p + 1)) return 0;
  auto low = [&](size_t q) { return any_case ? ascii_lower(s.cpt(q)) : s.cpt(q); };
  uint32_t a = low(p + 1);
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if (!s.in(p + 2)) return 0;
  uint32_t b = low(p + 2);
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  return 0;
}

// Runs a per-piece splitter: `step(span, pos)` returns the end of the word starting at pos.
template <typename Step>
Pieces split_with(const std::vector<uint32_t>& cpts, const Pieces& in, Step step) {
  Pieces out;
  out.reserve(in.size());
  size_t start = 0;
  for (size_t len : in) {
    Span s{cpts, start, start + len};
    for (size_t pos = s.ini; pos < s.end;) {
      size_t e = step(s, pos);
      out.push_back(e - pos);
      pos = e;
    }
    start += len;
  }
  return out;
}

// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
size_t gpt2_step(const Span& s, size_t pos) {
  if (size_t n = contraction_len(s, pos, false)) return pos + n;
  const size_t q = s.cpt(pos) == ' ' ? pos + 1 : pos;  // after the optional leading space
  if (s.letter(q)) {
    size_t e = q;
    while (s.letter(e)) ++e;
    return e;
  }
  if (s.number(q)) {
    size_t e = q;
    while (s.number(e)) ++e;
    return e;
  }
  if (s.other(q)) {
    size_t e = q;
    while (s.other(e)) ++e;
    return e;
  }
  size_t n = 0;
  while (s.space(pos + n)) ++n;
  if (n > 1 && s.in(pos + n)) return pos + n - 1;  // \s+(?!\S): leave the last space to the next word
  if (n > 0) return pos + n;
  return pos + 1;
}

// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,max_digits}| ?[^\s\p{L}\p{N}]+[\r\n]*|
// \s*[\r\n]+|\s+(?!\S)|\s+
size_t llama3_step(const Span& s, size_t pos, size_t max_digits) {
  if (size_t n = contraction_len(s, pos, true)) return pos + n;
  const uint32_t c = s.cpt(pos);
  if (!(c == '\r' || c == '\n' || s.number(pos)) && (s.letter(pos) || s.letter(pos + 1))) {
    size_t e = pos + 1;
    while (s.letter(e)) ++e;
    return e;
  }
  if (s.number(pos)) {
    size_t e = pos;
    while (s.number(e) && e - pos < max_digits) ++e;
    return e;
  }
  const size_t q = c == ' ' ? pos + 1 : pos;
  if (s.other(q) || (q != pos && !s.in(q))) {  // a lone trailing space is one word either way
    size_t e = q;
    while (s.other(e)) ++e;
    while (s.cpt(e) == '\r' || s.cpt(e) == '\n') ++e;
    return e;
  }
  size_t n = 0, last_newline_end = 0;
  while (s.space(pos + n)) {
    uint32_t w = s.cpt(pos + n);
    if (w == '\r' || w == '\n') last_newline_end = pos + n + 1;
    ++n;
  }
  if (last_newline_end > 0) return last_newline_end;  // \s*[\r\n]+
  if (n > 1 && s.in(pos + n)) return pos + n - 1;     // \s+(?!\S)
  if (n > 0) return pos + n;                          // \s+
  return pos + 1;
}

// A regex that matches single code points or runs of them (`run`), e.g. \p{N} or \p{N}+: the
// matches and the gaps between them become pieces.
Pieces split_class(const std::vector<uint32_t>& cpts, const Pieces& in,
                   const std::function<bool(uint32_t)>& match, bool run) {
  return split_with(cpts, in, [&](const Span& s, size_t pos) {
    size_t e = pos;
    if (match(s.cpts[pos])) {
      ++e;
      while (run && e < s.end && match(s.cpts[e])) ++e;
    } else {
      while (e < s.end && !match(s.cpts[e])) ++e;
    }
    return e;
  });
}

// [0-9][0-9][0-9]: left-to-right non-overlapping triples of ASCII digits; the rest are gaps.
Pieces split_ascii_triples(const std::vector<uint32_t>& cpts, const Pieces& in) {
  auto digit = [&](const Span& s, size_t p) { return s.in(p) && s.cpts[p] >= '0' && s.cpts[p] <= '9'; };
  return split_with(cpts, in, [&](const Span& s, size_t pos) {
    if (digit(s, pos) && digit(s, pos + 1) && digit(s, pos + 2)) return pos + 3;
    size_t e = pos + 1;
    while (e < s.end && !(digit(s, e) && digit(s, e + 1) && digit(s, e + 2))) ++e;
    return e;
  });
}

bool is_number_cpt(uint32_t c) { return unicode_flags(c) & kUniNumber; }

}  // namespace

PreTokenizer pre_tokenizer_from_name(const std::string& name, const std::string& where) {
  if (name.empty()) return PreTokenizer::Default;
  for (const auto& p : kPreNames)
    if (name == p.name) return p.pre;
  std::string known;
  for (const auto& p : kPreNames) known += std::string(known.empty() ? "" : ", ") + p.name;
  throw Error(where, "unsupported pre-tokenizer '" + name + "' (supported: " + known + ")");
}

const char* pre_tokenizer_name(PreTokenizer p) {
  switch (p) {
    case PreTokenizer::Default: return "default";
    case PreTokenizer::Gpt2: return "gpt-2";
    case PreTokenizer::Smollm: return "smollm";
    case PreTokenizer::Llama3: return "llama-bpe";
    case PreTokenizer::Qwen2: return "qwen2";
  }
  return "?";
}

bool pre_tokenizer_ignores_merges(PreTokenizer p) { return p == PreTokenizer::Llama3; }

uint8_t unicode_flags(uint32_t cpt) {
  using namespace unicode_detail;
  static const std::array<uint8_t, 256> latin = [] {
    std::array<uint8_t, 256> t{};
    for (size_t i = 0; i < kUnicodeRangeCount && kUnicodeRanges[i].first < 256; ++i)
      for (uint32_t c = kUnicodeRanges[i].first; c <= kUnicodeRanges[i].last && c < 256; ++c)
        t[c] = kUnicodeRanges[i].flags;
    return t;
  }();
  if (cpt < 256) return latin[cpt];
  const UnicodeRange* end = kUnicodeRanges + kUnicodeRangeCount;
  const UnicodeRange* it = std::upper_bound(kUnicodeRanges, end, cpt,
                                            [](uint32_t c, const UnicodeRange& r) { return c < r.first; });
  if (it == kUnicodeRanges) return 0;
  --it;
  return cpt <= it->last ? it->flags : 0;
}

std::vector<uint32_t> utf8_to_codepoints(std::string_view s) {
  std::vector<uint32_t> out;
  out.reserve(s.size());
  const auto* b = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  auto cont = [&](size_t i) { return i < n && (b[i] & 0xC0) == 0x80; };
  for (size_t i = 0; i < n;) {
    const unsigned char c = b[i];
    if (c < 0x80) {
      out.push_back(c);
      i += 1;
    } else if ((c & 0xE0) == 0xC0 && cont(i + 1)) {
      out.push_back(((c & 0x1Fu) << 6) | (b[i + 1] & 0x3Fu));
      i += 2;
    } else if ((c & 0xF0) == 0xE0 && cont(i + 1) && cont(i + 2)) {
      out.push_back(((c & 0x0Fu) << 12) | ((b[i + 1] & 0x3Fu) << 6) | (b[i + 2] & 0x3Fu));
      i += 3;
    } else if ((c & 0xF8) == 0xF0 && cont(i + 1) && cont(i + 2) && cont(i + 3)) {
      out.push_back(((c & 0x07u) << 18) | ((b[i + 1] & 0x3Fu) << 12) | ((b[i + 2] & 0x3Fu) << 6) |
                    (b[i + 3] & 0x3Fu));
      i += 4;
    } else {
      out.push_back(0xFFFD);
      i += 1;
    }
  }
  return out;
}

void append_utf8(std::string& out, uint32_t c) {
  if (c < 0x80) {
    out.push_back(char(c));
  } else if (c < 0x800) {
    out.push_back(char(0xC0 | (c >> 6)));
    out.push_back(char(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(char(0xE0 | (c >> 12)));
    out.push_back(char(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(char(0x80 | (c & 0x3F)));
  } else {
    out.push_back(char(0xF0 | ((c >> 18) & 0x07)));
    out.push_back(char(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(char(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(char(0x80 | (c & 0x3F)));
  }
}

std::vector<std::string> pre_tokenize(std::string_view text, PreTokenizer pre) {
  const std::vector<uint32_t> cpts = utf8_to_codepoints(text);
  if (cpts.empty()) return {};
  Pieces pieces{cpts.size()};
  auto gpt2 = [&] { pieces = split_with(cpts, pieces, gpt2_step); };
  switch (pre) {
    case PreTokenizer::Gpt2:
      gpt2();
      break;
    case PreTokenizer::Smollm:
      pieces = split_class(cpts, pieces, is_number_cpt, false);
      gpt2();
      break;
    case PreTokenizer::Llama3:
      pieces = split_with(cpts, pieces, [](const Span& s, size_t p) { return llama3_step(s, p, 3); });
      break;
    case PreTokenizer::Qwen2:
      pieces = split_with(cpts, pieces, [](const Span& s, size_t p) { return llama3_step(s, p, 1); });
      break;
    case PreTokenizer::Default: {
      // [\p{P}\$\+<=>\^~\|]+
      auto punct = [](uint32_t c) {
        return (unicode_flags(c) & kUniPunct) || c == '$' || c == '+' || c == '<' || c == '=' ||
               c == '>' || c == '^' || c == '~' || c == '|';
      };
      pieces = split_class(cpts, pieces, punct, true);
      gpt2();
      pieces = split_class(cpts, pieces, is_number_cpt, true);  // \p{N}+
      pieces = split_ascii_triples(cpts, pieces);               // [0-9][0-9][0-9]
      break;
    }
  }
  std::vector<std::string> words;
  words.reserve(pieces.size());
  size_t start = 0;
  for (size_t len : pieces) {
    std::string w;
    for (size_t i = start; i < start + len; ++i) append_utf8(w, cpts[i]);
    words.push_back(std::move(w));
    start += len;
  }
  return words;
}

}  // namespace hetspec
