#!/usr/bin/env python3
"""Produces llama.cpp reference fixtures for hetspec's tokenizer and forward-pass tests.

Usage (from the repository root, with the llama-cpp-python venv described in docs/tokenizer.md):
    /root/.cache/hetspec/llamaref/bin/python scripts/make-reference.py \
        [--model ~/.cache/hetspec/models/SmolLM2-135M-Instruct.Q4_1.gguf] [--out tests/fixtures]

Writes:
  smollm2_tokenizer.json  token ids from llama.cpp for a varied text set, with special=True and
                          special=False (add_bos=False), plus llama.cpp's detokenized text.
  smollm2_greedy.json     for fixed prompts (raw and chat-templated): prompt ids and the first 32
                          greedily chosen token ids (argmax of the logits, first index on ties),
                          single thread, n_ctx 512, plus the top-5 logits of the first step.

The tests never run this script: they read the committed JSON. Rerun it only to refresh the fixtures.
"""
import argparse
import hashlib
import json
import os
import sys

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
        "detok_special": "llm.detokenize(ids_special, special=True).decode('utf-8')",
    }
    tok["cases"] = cases
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
