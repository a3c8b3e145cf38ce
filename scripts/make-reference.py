#!/usr/bin/env python3
"""Produces llama.cpp reference fixtures for hetspec's tokenizer and forward-pass tests.

Usage (from the repository root, with the llama-cpp-python venv described in docs/tokenizer.md):
    /root/.cache/hetspec/llamaref/bin/python scripts/make-reference.py \
        [--model ~/.cache/hetspec/models/SmolLM2-135M-Instruct.Q4_1.gguf] [--out tests/fixtures]

Writes:
  smollm2_tokenizer.json  token ids from llama.cpp for a varied text set, with special=True and
                          special=False (add_bos=False), plus llama.cpp's detokenized text, and
                          the ids under other pre-tokenizers (gpt-2, llama-bpe, qwen2, default)
                          obtained from vocab-only copies of the file's metadata with
                          tokenizer.ggml.pre replaced.
  spm_tokenizer.json      a small SentencePiece vocabulary built here, written as a vocab-only GGUF
                          and tokenized by llama.cpp (no Llama 2 file is needed).
  smollm2_greedy.json     for fixed prompts (raw and chat-templated): prompt ids and the first 32
                          greedily chosen token ids (argmax of the logits, first index on ties),
                          single thread, n_ctx 512, plus the top-5 logits of the first step.

The tests never run this script: they read the committed JSON. Rerun it only to refresh the fixtures.
"""
import argparse
import hashlib
import json
import os
import struct
import sys
import tempfile

import numpy as np
import jinja2
import llama_cpp
from llama_cpp import Llama

TEXTS = [
    "Hello world",
    " Hello world",
    "Hello  world",
    "   leading and trailing spaces   ",
    "\tTabbed\ttext\t",
    "Line one\nLine two\n\nLine four\r\nWindows line",
    "1234567",
    "Numbers: 3.14159, 2,718, 1e10, -42 and 007",
    "Year 2024 and phone 555-1234",
    "It's a dog's life; they're, we've, I'm, you'll, he'd",
    "IT'S LOUD, DON'T SHOUT, THEY'RE HERE",
    "café naïve résumé façade Ångström",
    "über Straße groß ÄÖÜ",
    "日本語のテキストです。",
    "中文测试：你好，世界！",
    "한국어 문장입니다",
    "Привет, мир! Как дела?",
    "Ελληνικά γράμματα",
    "مرحبا بالعالم",
    "emoji 😀🎉👍🏽 and 🇫🇷 flag",
    "Mixed: a→b ≤ c ≠ d ∑ ∞ € £ ¥ ©",
    "x² + y³ = z½ ①②③ Ⅻ",
    "١٢٣ ٤٥٦ and ५६७",
    "  \t \n  mixed whitespace \u00a0nbsp\u3000ideographic space",
    "zero\u200bwidth joiner\u200d and soft\u00adhyphen",
    "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
    "int main() {\n\tprintf(\"%d\\n\", 42);\n\treturn 0;\n}",
    "<html><body class=\"x\">Hi &amp; bye</body></html>",
    "{\"key\": [1, 2, 3], \"nested\": {\"a\": null}}",
    "URL https://example.com/path?q=1&r=two#frag and email a.b@c.io",
    "Hello!!! What??? Wow... ok---fine",
    "snake_case_name camelCaseName kebab-case-name",
    "$100.00 + 15% = $115.00",
    "'quoted' \"double\" `back`",
    "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n",
    "text with <|endoftext|> in the middle",
    "<jupyter_code>print(1)<jupyter_output>",
    "<|im_start|> with partial <|im_ and <im_end|>",
    "Translate to French: The cat sleeps on the mat.",
    "The quick brown fox jumps over the lazy dog. " * 3,
    "I'M SURE YOU'LL SEE, WE'D",
    "abc\r\n\r\n   def  \n\t ghi",
    "....!!!\n\n",
    "tab\t\tsep   end",
    "x=1+2*3/4-5^6|7~8<9>10$11",
    "x  \n\t y (hello) world ok!!\n\nnext",
    "abc123def4567 don'T 'Re 'LL a'b",
    "\u00a0\u00a0x \r\n \r\n end\u2003\u2003",
    "a",
    "    ",
    "\n\n\n",
    "",
]

RAW_PROMPTS = [
    "The capital of France is",
    "Translate to French: The cat sleeps on the mat.",
    "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n",
    "Once upon a time, in a small village,",
]
CHAT_PROMPTS = [
    "Translate to French: The cat sleeps on the mat.",
    "What is the capital of France?",
    "Write a Python function that reverses a string.",
]
N_GEN = 32
# Pre-tokenizers checked on SmolLM2's vocabulary and merges by loading a vocab-only copy of its
# metadata with tokenizer.ggml.pre replaced (llama.cpp splits text differently per pre-tokenizer).
PRE_VARIANTS = ["gpt-2", "llama-bpe", "qwen2", "default"]
SPM_TEXTS = [
    "Hello world", "hello  world", " leading space", "the cat sat on the mat", "Thecat",
    "café au lait", "日本", "emoji 😀", "tabs\tand\nnewlines", "<s>after bos", "x</s>y",
    "user: <|user|>hi", "", "   ", "a", "Translate to French: The cat sleeps.",
]


# ---- minimal GGUF metadata reader / writer (vocab-only files for llama.cpp) ----
_SCALAR = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}


def gguf_read_kv(path):
    with open(path, "rb") as f:
        data = f.read(64 << 20)
    off = 0

    def rd(fmt):
        nonlocal off
        v = struct.unpack_from("<" + fmt, data, off)[0]
        off += struct.calcsize("<" + fmt)
        return v

    def rstr():
        nonlocal off
        n = rd("Q")
        v = data[off:off + n].decode("utf-8")
        off += n
        return v

    def rval(t):
        if t == 8:
            return rstr()
        if t == 9:
            at, n = rd("I"), rd("Q")
            return (at, [rval(at) for _ in range(n)])
        return rd(_SCALAR[t])

    assert data[:4] == b"GGUF"
    off = 4
    rd("I")
    rd("Q")
    n_kv = rd("Q")
    kv = []
    for _ in range(n_kv):
        key = rstr()
        t = rd("I")
        kv.append([key, t, rval(t)])
    return kv


def gguf_write_vocab_only(path, kv):
    out = bytearray(b"GGUF")

    def wstr(v):
        b = v.encode("utf-8")
        out.extend(struct.pack("<Q", len(b)) + b)

    def wval(t, v):
        if t == 8:
            wstr(v)
        elif t == 9:
            at, items = v
            out.extend(struct.pack("<IQ", at, len(items)))
            for it in items:
                wval(at, it)
        else:
            out.extend(struct.pack("<" + _SCALAR[t], v))

    out.extend(struct.pack("<IQQ", 3, 0, len(kv)))
    for key, t, v in kv:
        wstr(key)
        out.extend(struct.pack("<I", t))
        wval(t, v)
    out.extend(b"\0" * ((32 - len(out) % 32) % 32))
    with open(path, "wb") as f:
        f.write(out)


def spm_vocab():
    """A small SentencePiece-style vocabulary: <unk> <s> </s>, 256 byte pieces, a user-defined
    token, single characters and frequent substrings of a tiny corpus (with distinct scores)."""
    corpus = ("the cat sat on the mat hello world the dog sleeps on the mat translate to french "
              "the cat sleeps a lait au hello there world of cats tabs and newlines after leading space")
    tokens = [("<unk>", 0.0, 2), ("<s>", 0.0, 3), ("</s>", 0.0, 3)]
    tokens += [("<0x%02X>" % b, 0.0, 6) for b in range(256)]
    tokens.append(("<|user|>", 0.0, 4))
    counts = {}
    for w in corpus.split():
        w = "\u2581" + w
        for i in range(len(w)):
            for j in range(i + 2, min(len(w), i + 6) + 1):
                counts[w[i:j]] = counts.get(w[i:j], 0) + 1
    pieces = sorted((p for p, c in counts.items() if c >= 2), key=lambda p: (-counts[p], p))
    chars = sorted(set(corpus.replace(" ", "")) | {"\u2581", "T", "H", ":", "."})
    score = -1.0
    for p in chars + pieces:
        tokens.append((p, score, 1))
        score -= 0.25
    return tokens


def spm_kv(base_kv, tokens):
    kv = [e for e in base_kv if not e[0].startswith("tokenizer.") and e[0] != "llama.vocab_size"]
    kv += [["tokenizer.ggml.model", 8, "llama"],
           ["tokenizer.ggml.tokens", 9, (8, [t for t, _, _ in tokens])],
           ["tokenizer.ggml.scores", 9, (6, [s for _, s, _ in tokens])],
           ["tokenizer.ggml.token_type", 9, (5, [ty for _, _, ty in tokens])],
           ["tokenizer.ggml.bos_token_id", 4, 1],
           ["tokenizer.ggml.eos_token_id", 4, 2],
           ["tokenizer.ggml.unknown_token_id", 4, 0]]
    return kv


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def render_chat(template, user_text):
    env = jinja2.Environment(loader=jinja2.BaseLoader())
    return env.from_string(template).render(
        messages=[{"role": "user", "content": user_text}], add_generation_prompt=True)


def greedy(llm, prompt_ids, n):
    llm.reset()
    llm.eval(prompt_ids)
    out, top5 = [], None
    for step in range(n):
        ptr = llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1)
        logits = np.ctypeslib.as_array(ptr, shape=(llm.n_vocab(),)).copy()
        tok = int(np.argmax(logits))
        if step == 0:
            idx = np.argsort(-logits, kind="stable")[:5]
            top5 = [[int(i), float(logits[i])] for i in idx]
        out.append(tok)
        llm.eval([tok])
    return out, top5


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.expanduser(
        "~/.cache/hetspec/models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    ap.add_argument("--out", default="tests/fixtures")
    args = ap.parse_args()

    command = "python scripts/make-reference.py " + " ".join(sys.argv[1:])
    llm = Llama(model_path=args.model, n_ctx=512, n_threads=1, n_threads_batch=1, n_batch=512,
                seed=1, logits_all=False, verbose=False)
    provenance = {
        "command": command.strip(),
        "tool": "llama-cpp-python",
        "llama_cpp_python_version": llama_cpp.__version__,
        "model_file": os.path.basename(args.model),
        "model_sha256": sha256(args.model),
    }

    cases = []
    for text in TEXTS:
        b = text.encode("utf-8")
        ids_special = llm.tokenize(b, add_bos=False, special=True) if b else []
        ids_plain = llm.tokenize(b, add_bos=False, special=False) if b else []
        cases.append({
            "text": text,
            "ids_special": ids_special,   # llm.tokenize(text.encode(), add_bos=False, special=True)
            "ids_plain": ids_plain,       # llm.tokenize(text.encode(), add_bos=False, special=False)
            "detok_special": llm.detokenize(ids_special, special=True).decode("utf-8", "replace"),
        })
    tok = dict(provenance)
    tok["calls"] = {
        "ids_special": "llm.tokenize(text.encode('utf-8'), add_bos=False, special=True)",
        "ids_plain": "llm.tokenize(text.encode('utf-8'), add_bos=False, special=False)",
        "detok_special": "llm.detokenize(ids_special, special=True).decode('utf-8'): llama-cpp-python "
                         "concatenates llama_token_to_piece(id, lstrip=0, special=True) pieces",
    }
    tok["cases"] = cases

    base_kv = gguf_read_kv(args.model)
    variants = {}
    with tempfile.TemporaryDirectory() as tmp:
        for pre in PRE_VARIANTS:
            kv = [[k, t, (pre if k == "tokenizer.ggml.pre" else v)] for k, t, v in base_kv]
            path = os.path.join(tmp, "vocab-%s.gguf" % pre)
            gguf_write_vocab_only(path, kv)
            vllm = Llama(model_path=path, vocab_only=True, verbose=False)
            variants[pre] = [vllm.tokenize(t.encode("utf-8"), add_bos=False, special=False)
                             if t else [] for t in TEXTS]
            del vllm
        tok["pre_variants"] = {
            "how": "SmolLM2's tokenizer metadata with tokenizer.ggml.pre replaced, loaded with "
                   "Llama(vocab_only=True); ids from tokenize(text, add_bos=False, special=False), "
                   "one list per case in the order of 'cases'",
            "ids": variants,
        }

        spm_tokens = spm_vocab()
        path = os.path.join(tmp, "spm.gguf")
        gguf_write_vocab_only(path, spm_kv(base_kv, spm_tokens))
        sllm = Llama(model_path=path, vocab_only=True, verbose=False)
        spm_cases = []
        for t in SPM_TEXTS:
            b = t.encode("utf-8")
            c = {"text": t}
            for name, bos, special in [("ids_bos_special", True, True), ("ids_bos_plain", True, False),
                                       ("ids_special", False, True), ("ids_plain", False, False)]:
                c[name] = sllm.tokenize(b, add_bos=bos, special=special) if b else (
                    [1] if bos else [])
            c["detok_plain"] = sllm.detokenize(c["ids_plain"], special=False).decode("utf-8", "replace")
            spm_cases.append(c)
        del sllm
    spm = dict(provenance)
    spm["what"] = ("A SentencePiece (tokenizer.ggml.model = llama) vocabulary built by this script "
                   "(spm_vocab()), written as a vocab-only GGUF with the model's other metadata and "
                   "tokenized by llama.cpp. No real Llama 2 file was used.")
    spm["calls"] = {"ids_bos_special": "tokenize(text, add_bos=True, special=True)",
                    "ids_bos_plain": "tokenize(text, add_bos=True, special=False)",
                    "ids_special": "tokenize(text, add_bos=False, special=True)",
                    "ids_plain": "tokenize(text, add_bos=False, special=False)",
                    "detok_plain": "detokenize(ids_plain, special=False): concatenated "
                                   "llama_token_to_piece(id, lstrip=0, special=False) pieces"}
    spm["vocab"] = {"tokens": [t for t, _, _ in spm_tokens], "scores": [s for _, s, _ in spm_tokens],
                    "token_types": [ty for _, _, ty in spm_tokens], "bos_id": 1, "eos_id": 2, "unk_id": 0}
    spm["cases"] = spm_cases
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "spm_tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(spm, f, ensure_ascii=False, indent=1)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "smollm2_tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False, indent=1)

    template = llm.metadata.get("tokenizer.chat_template", "")
    prompts = [("raw", p, p) for p in RAW_PROMPTS]
    prompts += [("chat", p, render_chat(template, p)) for p in CHAT_PROMPTS]
    runs = []
    for kind, user, text in prompts:
        ids = llm.tokenize(text.encode("utf-8"), add_bos=True, special=True)
        gen, top5 = greedy(llm, ids, N_GEN)
        runs.append({"kind": kind, "user_text": user, "prompt_text": text, "prompt_ids": ids,
                     "generated_ids": gen,
                     "generated_text": llm.detokenize(gen, special=True).decode("utf-8", "replace"),
                     "first_step_top5_logits": top5})
    g = dict(provenance)
    g["settings"] = {"n_ctx": 512, "n_threads": 1, "n_batch": 512, "n_generated": N_GEN,
                     "sampling": "greedy: argmax of llama_get_logits_ith(ctx, -1), lowest id on ties; "
                                 "does not stop at EOS",
                     "prompt_ids": "llm.tokenize(prompt_text.encode(), add_bos=True, special=True) "
                                   "(the model's add_bos_token is false, so no BOS is added)",
                     "chat": "tokenizer.chat_template from the GGUF rendered with jinja2, one user "
                             "message, add_generation_prompt=True"}
    g["runs"] = runs
    with open(os.path.join(args.out, "smollm2_greedy.json"), "w", encoding="utf-8") as f:
        json.dump(g, f, ensure_ascii=False, indent=1)
    print("wrote", len(cases), "tokenizer cases and", len(runs), "greedy runs to", args.out)


if __name__ == "__main__":
    main()
