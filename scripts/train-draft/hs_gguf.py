# Why: the draft is learned from the target GGUF alone (no Hugging Face checkpoint): this reads the
# target's hyperparameters, tokenizer and dequantized weights through gguf-py (llama.cpp's own
# reader), and writes the trained draft in the "hetspec draft v1" layout that the engine loads:
# llama tensors for the draft's layers, no token_embd/output (borrowed from the target at load),
# the target's tokenizer verbatim, and `hetspec.draft.head_token_ids` (the vocabulary subset the
# draft's head computes).
import numpy as np
import gguf

from hs_tokenizer import Tokenizer


def _field(r, key, default=None):
    f = r.fields.get(key)
    if f is None:
        if default is None:
            raise KeyError(f"{key} missing")
        return default
    return f.contents()


class TargetGguf:
    def __init__(self, path):
        self.path = path
        self.r = gguf.GGUFReader(path)
        r = self.r
        arch = _field(r, "general.architecture")
        if arch != "llama":
            raise ValueError(f"{path}: general.architecture: expected llama, got {arch}")
        self.hp = dict(
            n_layers=int(_field(r, "llama.block_count")),
            d=int(_field(r, "llama.embedding_length")),
            ffn=int(_field(r, "llama.feed_forward_length")),
            heads=int(_field(r, "llama.attention.head_count")),
            kv_heads=int(_field(r, "llama.attention.head_count_kv")),
            rope_theta=float(_field(r, "llama.rope.freq_base", 10000.0)),
            eps=float(_field(r, "llama.attention.layer_norm_rms_epsilon")),
            context=int(_field(r, "llama.context_length")),
        )
        self.tensors = {t.name: t for t in r.tensors}
        tokens = _field(r, "tokenizer.ggml.tokens")
        self.hp["vocab"] = len(tokens)
        self.tokenizer = Tokenizer(tokens, _field(r, "tokenizer.ggml.token_type"), _field(r, "tokenizer.ggml.merges"),
                                   int(_field(r, "tokenizer.ggml.bos_token_id")), int(_field(r, "tokenizer.ggml.eos_token_id")))

    def weight(self, name):
        """float32 numpy array in PyTorch Linear layout: [rows (out), row length (in)]."""
        t = self.tensors[name]
        w = gguf.quants.dequantize(t.data, t.tensor_type)
        shape = [int(x) for x in reversed(t.shape)]  # ggml dims are row length first
        return np.ascontiguousarray(w.reshape(shape).astype(np.float32))

    def head_name(self):
        return "output.weight" if "output.weight" in self.tensors else "token_embd.weight"

    def tokenizer_kv(self):
        """Every tokenizer.* key of the target, (key, value, gguf type, array sub type)."""
        out = []
        for k, f in self.r.fields.items():
            if not k.startswith("tokenizer."):
                continue
            vt = f.types[0]
            sub = f.types[1] if vt == gguf.GGUFValueType.ARRAY and len(f.types) > 1 else None
            out.append((k, f.contents(), vt, sub))
        return out


QTYPES = {"q8_0": gguf.GGMLQuantizationType.Q8_0, "f16": gguf.GGMLQuantizationType.F16,
          "q4_0": gguf.GGMLQuantizationType.Q4_0, "q4_1": gguf.GGMLQuantizationType.Q4_1}
FILE_TYPES = {"q8_0": 7, "f16": 1, "q4_0": 2, "q4_1": 3}  # llama.cpp's general.file_type (LLAMA_FTYPE_MOSTLY_*)


def round_trip(arr, dtype):
    """arr (float32 [rows, row length]) as the engine reads it back after write_draft stores it as dtype."""
    arr = np.ascontiguousarray(arr.astype(np.float32))
    if dtype == "f16":
        return arr.astype(np.float16).astype(np.float32)
    qt = QTYPES[dtype]
    return gguf.quants.dequantize(gguf.quants.quantize(arr, qt), qt).reshape(arr.shape).astype(np.float32)


def write_draft(path, target, layers, output_norm, hp, head_token_ids, name, dtype="q8_0", extra=None, fc=None):
    """layers: list of dicts name -> float32 numpy (Linear layout [out, in]; norms 1-D).
    Writes a llama GGUF without token_embd/output, borrowing the target's at load. fc ([d, 2d]): a
    feature-reading (EAGLE) draft's input projection, tensor `hetspec_fc.weight`, marked by
    `hetspec.draft.kind` = "eagle" (its input at position i is fc · [embed(t_i); g_{i-1}], g the
    target's head input, or the draft's own output-norm result where the target has not run)."""
    qtype = QTYPES[dtype]
    w = gguf.GGUFWriter(path, "llama")
    w.add_name(name)
    w.add_type("model")
    w.add_block_count(len(layers))
    w.add_context_length(hp["context"])
    w.add_embedding_length(hp["d"])
    w.add_feed_forward_length(hp["ffn"])
    w.add_head_count(hp["heads"])
    w.add_head_count_kv(hp["kv_heads"])
    w.add_rope_freq_base(hp["rope_theta"])
    w.add_layer_norm_rms_eps(hp["eps"])
    w.add_vocab_size(hp["vocab"])
    w.add_rope_dimension_count(hp["d"] // hp["heads"])
    w.add_file_type(FILE_TYPES[dtype])
    for k, v, vt, sub in target.tokenizer_kv():
        if vt == gguf.GGUFValueType.ARRAY:
            w.add_key_value(k, list(v), vt, sub_type=sub)
        else:
            w.add_key_value(k, v, vt)
    w.add_array("hetspec.draft.head_token_ids", [int(i) for i in head_token_ids])
    if fc is not None:
        w.add_string("hetspec.draft.kind", "eagle")
        w.add_string("hetspec.draft.feature", "target_head_input")
    for k, v in (extra or {}).items():
        w.add_string(k, str(v))

    def add(tname, arr):  # norms (1-D) stay f32, matrices take the file's dtype
        arr = np.ascontiguousarray(arr.astype(np.float32))
        if arr.ndim == 1:
            w.add_tensor(tname, arr)
        elif qtype == gguf.GGMLQuantizationType.F16:
            w.add_tensor(tname, arr.astype(np.float16))
        else:
            w.add_tensor(tname, gguf.quants.quantize(arr, qtype), raw_dtype=qtype)

    for i, L in enumerate(layers):
        for key, arr in L.items():
            add(f"blk.{i}.{key}.weight", arr)
    if fc is not None:
        add("hetspec_fc.weight", fc)
    add("output_norm.weight", output_norm)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
