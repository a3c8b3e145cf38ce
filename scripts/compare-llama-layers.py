#!/usr/bin/env python3
"""Layer-by-layer comparison of hetspec's CPU forward with llama.cpp's, to find where they diverge.

Usage (repository root, after scripts/build.sh hetspec_tests):
    /root/.cache/hetspec/llamaref/bin/python scripts/compare-llama-layers.py \
        [--model M.gguf] --ids 504,3575,282 [--dec 7042,30] [--keep DIR]

Runs llama.cpp (llama-cpp-python, 1 thread, no flash attention, n_ctx 512) with an eval callback
(cb_eval) that copies every named f32 intermediate tensor (attn_norm-L, Qcur-L, kq_soft_max-L,
kqv_out-L, ffn_inp-L, ffn_out-L, l_out-L, ...), on the prompt ids as one batch and then each --dec
id alone. hetspec writes its hidden state after every layer (hidden test case [.dump-layers]).
Prints, per forward, the largest difference per layer output and the first layer that differs;
--keep saves llama.cpp's tensors (llama.npz) and ours there, to compare the ops inside that layer.
The tests never run this script.
"""
import argparse, ctypes, os, subprocess, tempfile

import numpy as np
import llama_cpp
from llama_cpp import Llama

# ggml_tensor: int32 type at 0, int64 ne[4] at 16, size_t nb[4] at 48 (ggml.h, stable for years).
OFF_NE, OFF_NB = 16, 48


def llama_tensors(model, ids, dec, n_ctx):
    lib = ctypes.CDLL(os.path.join(os.path.dirname(llama_cpp.__file__), "lib", "libggml-base.so"))
    lib.ggml_get_name.restype = ctypes.c_char_p
    lib.ggml_get_name.argtypes = [ctypes.c_void_p]
    lib.ggml_get_data.restype = ctypes.c_void_p
    lib.ggml_get_data.argtypes = [ctypes.c_void_p]
    store, step = {}, [0]

    def cb(t, ask, _):
        if ask:
            return True
        ne = [ctypes.c_int64.from_address(t + OFF_NE + 8 * i).value for i in range(4)]
        nb = [ctypes.c_size_t.from_address(t + OFF_NB + 8 * i).value for i in range(4)]
        p = lib.ggml_get_data(t)
        contiguous = nb[0] == 4 and nb[1] == 4 * ne[0] and nb[2] == nb[1] * ne[1] and nb[3] == nb[2] * ne[2]
        if ctypes.c_int32.from_address(t).value == 0 and contiguous and p:  # f32
            n = ne[0] * ne[1] * ne[2] * ne[3]
            a = np.ctypeslib.as_array((ctypes.c_float * n).from_address(p)).copy()
            store["s%d/%s" % (step[0], lib.ggml_get_name(t).decode())] = a.reshape(ne[3], ne[2], ne[1], ne[0])
        return True

    cbf = llama_cpp.ggml_backend_sched_eval_callback(cb)
    llm = Llama(model_path=model, n_ctx=n_ctx, n_threads=1, n_threads_batch=1, n_batch=512, verbose=False)
    params = llm.context_params
    params.cb_eval = cbf
    params.cb_eval_user_data = None
    ctx = llama_cpp.llama_init_from_model(llm._model.model, params)
    batch = llama_cpp.llama_batch_init(512, 0, 1)
    pos = 0
    for toks in [ids] + [[t] for t in dec]:
        batch.n_tokens = len(toks)
        for i, t in enumerate(toks):
            batch.token[i], batch.pos[i], batch.n_seq_id[i] = t, pos + i, 1
            batch.seq_id[i][0] = 0
            batch.logits[i] = i == len(toks) - 1
        assert llama_cpp.llama_decode(ctx, batch) == 0
        store["s%d/logits" % step[0]] = np.ctypeslib.as_array(
            llama_cpp.llama_get_logits_ith(ctx, -1), shape=(llm.n_vocab(),)).copy()
        step[0] += 1
        pos += len(toks)
    llama_cpp.llama_batch_free(batch)
    llama_cpp.llama_free(ctx)
    return store


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.expanduser(
        os.environ.get("HETSPEC_MODEL", "~/.cache/hetspec/models/SmolLM2-135M-Instruct.Q4_1.gguf")))
    ap.add_argument("--ids", required=True)
    ap.add_argument("--dec", default="")
    ap.add_argument("--keep", default="")
    a = ap.parse_args()
    ids = [int(x) for x in a.ids.split(",") if x]
    dec = [int(x) for x in a.dec.split(",") if x]
    out = a.keep or tempfile.mkdtemp()
    os.makedirs(out, exist_ok=True)
    env = dict(os.environ, HETSPEC_OUT=out, HETSPEC_IDS=a.ids, HETSPEC_DEC=a.dec, HETSPEC_MODEL=a.model)
    subprocess.run(["build/hetspec_tests", "[.dump-layers]"], check=True, env=env, stdout=subprocess.DEVNULL)
    ref = llama_tensors(a.model, ids, dec, 512)
    if a.keep:
        np.savez(os.path.join(out, "llama.npz"), **ref)
    n_layers = sum(1 for k in ref if k.startswith("s0/l_out-"))
    for s in range(1 + len(dec)):
        first, worst = None, []
        for l in range(n_layers):
            want = ref["s%d/l_out-%d" % (s, l)].reshape(-1, ref["s%d/l_out-%d" % (s, l)].shape[-1])
            ours = np.fromfile(os.path.join(out, "s%d_l%d.bin" % (s, l)), dtype=np.float32).reshape(-1, want.shape[1])
            ours = ours[-want.shape[0]:]  # llama.cpp keeps only the output rows after the last layer
            d = float(np.abs(want - ours).max())
            worst.append(d)
            if d > 0 and first is None:
                first = l
        lg = np.fromfile(os.path.join(out, "s%d_logits.bin" % s), dtype=np.float32)
        print("forward %d (%s): first differing layer %s; layer max diffs %s; logits max diff %g" % (
            s, "prompt" if s == 0 else "token %d" % dec[s - 1], first,
            " ".join("%.2g" % d for d in worst), float(np.abs(lg - ref["s%d/logits" % s]).max())))


if __name__ == "__main__":
    main()
