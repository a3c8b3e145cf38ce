# Why: the draft is trained on the GPU machine, which has no hetspec tokenizer of its own; this is
# the target's byte-level BPE (GPT-2 style, pre-tokenizer "smollm") read from the target GGUF, so
# that training prompts are tokenized exactly as `hetspec run` tokenizes them (checked against
# `hetspec tokenize` by check_tokenizer.py).
import regex

# llama.cpp's "smollm" pre-tokenizer: every digit alone, then the GPT-2 split.
_DIGIT = regex.compile(r"\p{N}")
_GPT2 = regex.compile(r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")


def _bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


class Tokenizer:
    """Encode/decode with the target's vocabulary. Special tokens (token_type 3 = control) are
    matched in the text, as `hetspec tokenize` does by default."""

    def __init__(self, tokens, token_types, merges, bos_id, eos_id):
        self.tokens = tokens
        self.ids = {t: i for i, t in enumerate(tokens)}
        self.ranks = {tuple(m.split(" ", 1)): r for r, m in enumerate(merges)}
        self.bos_id, self.eos_id = bos_id, eos_id
        self.byte_enc = _bytes_to_unicode()
        self.byte_dec = {c: b for b, c in self.byte_enc.items()}
        specials = [t for t, ty in zip(tokens, token_types) if ty == 3 and t]
        specials.sort(key=len, reverse=True)
        self.specials = set(specials)
        self.special_re = regex.compile("|".join(regex.escape(s) for s in specials)) if specials else None
        self.cache = {}

    def _bpe(self, word):
        if word in self.cache:
            return self.cache[word]
        parts = list(word)
        while len(parts) > 1:
            best, best_i = None, -1
            for i in range(len(parts) - 1):
                r = self.ranks.get((parts[i], parts[i + 1]))
                if r is not None and (best is None or r < best):
                    best, best_i = r, i
            if best is None:
                break
            parts[best_i:best_i + 2] = [parts[best_i] + parts[best_i + 1]]
        out = []
        for p in parts:
            if p in self.ids:
                out.append(self.ids[p])
            else:  # fall back to single byte tokens
                out.extend(self.ids[c] for c in p)
        self.cache[word] = out
        return out

    def _encode_plain(self, text):
        out = []
        # digits first, each a piece of its own; then the GPT-2 split inside the rest
        pos = 0
        chunks = []
        for m in _DIGIT.finditer(text):
            if m.start() > pos:
                chunks.append(text[pos:m.start()])
            chunks.append(m.group())
            pos = m.end()
        if pos < len(text):
            chunks.append(text[pos:])
        for c in chunks:
            for piece in _GPT2.findall(c):
                word = "".join(self.byte_enc[b] for b in piece.encode("utf-8"))
                out.extend(self._bpe(word))
        return out

    def encode(self, text):
        if self.special_re is None:
            return self._encode_plain(text)
        out, pos = [], 0
        for m in self.special_re.finditer(text):
            if m.start() > pos:
                out.extend(self._encode_plain(text[pos:m.start()]))
            out.append(self.ids[m.group()])
            pos = m.end()
        if pos < len(text):
            out.extend(self._encode_plain(text[pos:]))
        return out

    def decode(self, ids):
        buf = bytearray()
        for i in ids:
            t = self.tokens[i]
            if t in self.specials:
                buf.extend(t.encode("utf-8"))
            else:
                buf.extend(self.byte_dec.get(c, ord("?")) for c in t)
        return buf.decode("utf-8", errors="replace")


SMOLLM_SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"


def chat(user, system=SMOLLM_SYSTEM):
    """SmolLM2's chat template for one user turn with the generation prompt (what `hetspec run`
    applies to a prompt set's `prompt`)."""
    return (f"<|im_start|>system\n{system}<|im_end|>\n"
            f"<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n")
