#!/usr/bin/env python3
"""llama.cpp logits of a one-layer cut of SmolLM2-135M-Instruct Q4_1, for the forward-pass parity test.

Usage (repository root, after scripts/build.sh hetspec_tests):
    /root/.cache/hetspec/llamaref/bin/python scripts/make-forward-reference.py

The one-layer file is written by the test binary itself (hidden test case "[.write-1layer]",
env HETSPEC_OUT), so it is byte-identical to the one the test builds. For each token sequence
(fed one token at a time, then once as a batch) it stores the 32 largest logits of the last token.
Writes tests/fixtures/smollm2_1layer_logits.json. Also tests/fixtures/smollm2_batch_logits.json:
the full model with logits_all=True, every row of a batched prefill and of a batched block fed
after it (a speculative-decoding verification), top 16 logits per row. The tests never run this
script.
"""
import hashlib, json, os, subprocess, sys, tempfile

import numpy as np
import llama_cpp
from llama_cpp import Llama

MODEL = os.path.expanduser(os.environ.get("HETSPEC_MODEL", "~/.cache/hetspec/models/SmolLM2-135M-Instruct.Q4_1.gguf"))
SEQS = [
    [1],
    [504, 3575],
    [1, 9690, 198, 2683, 359, 253, 5356, 5646, 11173, 3365, 3511, 308],
    [504, 504, 504, 504, 504, 504, 504, 504, 504, 504, 504, 504, 504, 504, 504, 504, 504],
]

def main():
    tmp = tempfile.mkdtemp()
    one = os.path.join(tmp, "smollm2_1layer.gguf")
    env = dict(os.environ, HETSPEC_OUT=one, HETSPEC_MODEL=MODEL)
    subprocess.run(["build/hetspec_tests", "[.write-1layer]"], check=True, env=env, stdout=subprocess.DEVNULL)
    llm = Llama(model_path=one, n_ctx=64, n_threads=1, n_threads_batch=1, n_batch=64, verbose=False)
    cases = []
    for seq in SEQS:
        for mode in ("sequential", "batch"):
            llm.reset()
            if mode == "batch":
                llm.eval(seq)
            else:
                for t in seq:
                    llm.eval([t])
            lg = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1), shape=(llm.n_vocab(),)).copy()
            idx = np.argsort(-lg, kind="stable")[:32]
            cases.append({"tokens": seq, "mode": mode, "top32": [[int(i), float(lg[i])] for i in idx]})
    out = {"command": "python scripts/make-forward-reference.py", "tool": "llama-cpp-python",
           "llama_cpp_python_version": llama_cpp.__version__, "model_file": os.path.basename(MODEL),
           "one_layer_sha256": hashlib.sha256(open(one, "rb").read()).hexdigest(),
           "settings": {"n_ctx": 64, "n_threads": 1, "flash_attn": "default (off)"}, "cases": cases}
    with open("tests/fixtures/smollm2_1layer_logits.json", "w") as f:
        json.dump(out, f, indent=1)
    print("wrote", len(cases), "cases")

BATCH_PROMPT = [504, 3575, 282, 4649, 314]
BATCH_BLOCK = [7042, 30, 198, 198]


def batch_reference():
    llm = Llama(model_path=MODEL, n_ctx=512, n_threads=1, n_threads_batch=1, n_batch=512, logits_all=True,
                verbose=False)
    llm.eval(BATCH_PROMPT)
    llm.eval(BATCH_BLOCK)
    rows = []
    for i in range(len(BATCH_PROMPT) + len(BATCH_BLOCK)):
        lg = np.asarray(llm.scores[i], dtype=np.float32)
        idx = np.argsort(-lg, kind="stable")[:16]
        rows.append([[int(j), float(lg[j])] for j in idx])
    out = {"command": "python scripts/make-forward-reference.py", "tool": "llama-cpp-python",
           "llama_cpp_python_version": llama_cpp.__version__, "model_file": os.path.basename(MODEL),
           "settings": {"n_ctx": 512, "n_threads": 1, "n_batch": 512, "logits_all": True,
                        "calls": "llm.eval(prompt); llm.eval(block); rows = llm.scores[0:len(prompt)+len(block)]"},
           "prompt": BATCH_PROMPT, "block": BATCH_BLOCK, "top16_per_row": rows}
    with open("tests/fixtures/smollm2_batch_logits.json", "w") as f:
        json.dump(out, f, indent=1)
    print("wrote", len(rows), "rows")


if __name__ == "__main__":
    batch_reference()
    main()
