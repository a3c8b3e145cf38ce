# Why: a minimal Llama in PyTorch that runs the target (dequantized from its GGUF) to generate
# training data and teacher distributions, and the draft being trained. Weights stay in GGUF
# conventions (Linear layout [out, in]; RoPE on adjacent pairs, ggml's "normal" mode, because the
# GGUF converter permuted Q/K for it), so the trained draft is written back without conversion.
import torch
import torch.nn.functional as F

LAYER_KEYS = ["attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down"]


def rms_norm(x, w, eps):
    # x: [..., d]
    xf = x.float()
    return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype) * w


def rope_tables(head_dim, theta, n_pos, device):
    inv = theta ** (-torch.arange(0, head_dim, 2, device=device, dtype=torch.float32) / head_dim)  # [hd/2]
    ang = torch.arange(n_pos, device=device, dtype=torch.float32)[:, None] * inv[None, :]  # [n_pos, hd/2]
    return torch.cos(ang), torch.sin(ang)


def apply_rope(x, cos, sin):
    # x: [B, T, H, hd]; cos/sin: [B, T, hd/2] at each token's position; adjacent pairs (2i, 2i+1)
    x2 = x.float().unflatten(-1, (-1, 2))  # [B, T, H, hd/2, 2]
    a, b = x2[..., 0], x2[..., 1]
    c, s = cos[:, :, None, :], sin[:, :, None, :]
    out = torch.stack((a * c - b * s, a * s + b * c), dim=-1).flatten(-2)
    return out.to(x.dtype)


def gqa_attention(q, k, v, mask):
    """Grouped-query attention without repeating the KV heads (generation reads the whole cache
    every step, so a repeated copy would cost more than the attention itself).
    q: [B, T, H, hd]; k, v: [B, KV, S, hd]; mask: [B or 1, 1, T, S] bool -> [B, T, H, hd]"""
    B, T, H, hd = q.shape
    KV, S = k.shape[1], k.shape[2]
    G = H // KV
    qg = q.permute(0, 2, 1, 3).reshape(B, KV, G * T, hd)  # rows (g, t): head h = kv * G + g
    sc = (qg @ k.transpose(-1, -2)) * hd ** -0.5  # [B, KV, G*T, S]
    m = mask.expand(mask.shape[0], 1, T, S)[:, :, None].expand(-1, 1, G, T, S).reshape(mask.shape[0], 1, G * T, S)
    sc = sc.masked_fill(~m, float("-inf"))
    o = torch.softmax(sc, -1) @ v  # [B, KV, G*T, hd]
    return o.reshape(B, H, T, hd).transpose(1, 2)


class KvCache:
    """Preallocated per-layer keys and values [B, KV, S_max, hd] and the filled length n."""

    def __init__(self, n_layers, B, KV, s_max, hd, device, dtype=torch.float32):
        self.k = [torch.empty(B, KV, s_max, hd, device=device, dtype=dtype) for _ in range(n_layers)]
        self.v = [torch.empty(B, KV, s_max, hd, device=device, dtype=dtype) for _ in range(n_layers)]
        self.n = 0


class Llama(torch.nn.Module):
    """layers: list of dicts (LAYER_KEYS -> tensor). embed/head: [vocab, d] (shared, frozen)."""

    def __init__(self, hp, layers, output_norm, embed, head, trainable):
        super().__init__()
        self.hp = hp
        self.d, self.H, self.KV = hp["d"], hp["heads"], hp["kv_heads"]
        self.hd = self.d // self.H
        self.eps = hp["eps"]
        self.layers = torch.nn.ModuleList()
        for L in layers:
            m = torch.nn.ParameterDict({k: torch.nn.Parameter(v.clone(), requires_grad=trainable) for k, v in L.items()})
            self.layers.append(m)
        self.output_norm = torch.nn.Parameter(output_norm.clone(), requires_grad=trainable)
        self.embed = embed  # not a parameter: borrowed from the target, frozen
        self.head = head
        self.cos = self.sin = None
        self.wq = None  # quantization-aware training: a function applied to every matrix as it is used

    def W(self, w):
        """A matrix as the forward uses it: rounded as its file will hold it while training through that."""
        return w if self.wq is None else self.wq(w)

    def _tables(self, n, device):
        if self.cos is None or self.cos.shape[0] < n:
            self.cos, self.sin = rope_tables(self.hd, self.hp["rope_theta"], max(n, 4096), device)
        return self.cos, self.sin

    def hidden(self, tokens, pos=None, cache=None, kv_valid=None, x0=None):
        """tokens: [B, T] -> normed final hidden [B, T, d]. pos: [B, T] positions (default 0..T-1).
        cache: a KvCache to extend (generation), or None (training: causal over T). kv_valid:
        [B, S_total] bool, False for left padding (generation only). x0: [B, T, d], the first layer's
        input in place of the token embeddings (a feature-reading draft's)."""
        B, T = tokens.shape
        if pos is None:
            pos = torch.arange(T, device=tokens.device)[None, :].expand(B, T)
        x = self.embed[tokens].float() if x0 is None else x0.float()  # [B, T, d]; the residual stream stays fp32
        cos, sin = self._tables(int(pos.max()) + 1, tokens.device)
        pc = pos.clamp(min=0)
        cos, sin = cos[pc], sin[pc]  # [B, T, hd/2]
        S0 = cache.n if cache is not None else 0
        S = S0 + T
        mask = None
        if cache is not None or kv_valid is not None:
            # query t (the last T of S keys) sees keys <= S - T + t that are not padding
            mask = torch.ones(T, S, dtype=torch.bool, device=x.device).tril(S - T)[None, None]  # [1, 1, T, S]
            if kv_valid is not None:
                # padding keys are hidden; a padding query sees itself (no all-masked row, no NaN)
                self_key = torch.zeros(T, S, dtype=torch.bool, device=x.device)
                self_key[:, S - T:] = torch.eye(T, dtype=torch.bool, device=x.device)
                mask = mask & (kv_valid[:, None, None, :S] | self_key[None, None])  # [B, 1, T, S]
        for li, L in enumerate(self.layers):
            h = rms_norm(x, L["attn_norm"], self.eps)
            q = (h @ self.W(L["attn_q"]).T).view(B, T, self.H, self.hd)
            k = (h @ self.W(L["attn_k"]).T).view(B, T, self.KV, self.hd)
            v = (h @ self.W(L["attn_v"]).T).view(B, T, self.KV, self.hd)
            q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
            if cache is None:
                # [B, H, T, hd] with kv heads repeated for grouped-query attention
                qh = q.transpose(1, 2)
                kh = k.transpose(1, 2).repeat_interleave(self.H // self.KV, dim=1)
                vh = v.transpose(1, 2).repeat_interleave(self.H // self.KV, dim=1)
                if mask is None:
                    a = F.scaled_dot_product_attention(qh, kh, vh, is_causal=True)
                else:
                    a = F.scaled_dot_product_attention(qh, kh, vh, attn_mask=mask)
                a = a.transpose(1, 2)  # [B, T, H, hd]
            else:
                cache.k[li][:, :, S0:S] = k.transpose(1, 2)
                cache.v[li][:, :, S0:S] = v.transpose(1, 2)
                a = gqa_attention(q, cache.k[li][:, :, :S], cache.v[li][:, :, :S], mask)  # [B, T, H, hd]
            x = x + a.reshape(B, T, self.d) @ self.W(L["attn_output"]).T
            h = rms_norm(x, L["ffn_norm"], self.eps)
            x = x + (F.silu(h @ self.W(L["ffn_gate"]).T) * (h @ self.W(L["ffn_up"]).T)) @ self.W(L["ffn_down"]).T
        if cache is not None:
            cache.n = S
        return rms_norm(x, self.output_norm, self.eps)

    def head_logits(self, hidden):
        # hidden: [..., d] -> [..., vocab]
        return hidden @ self.head.T

    def logits(self, tokens, pos=None, cache=None, kv_valid=None):
        return self.head_logits(self.hidden(tokens, pos, cache, kv_valid))  # [B, T, vocab]


class EagleDraft(torch.nn.Module):
    """A draft that reads the target's features as well as the tokens (EAGLE, Li et al. 2024): the
    input at position i is fc · [embed(t_i); g_{i-1}], g_{i-1} the feature of position i-1 — the
    target's head input (its final normed hidden state) where the target has computed it, the
    draft's own output feature where it has not — then Llama blocks and an output norm whose result
    is both the head's input and the feature the next position reads. g_{-1} = 0.
    fc: [d, 2d] (Linear layout)."""

    def __init__(self, hp, layers, output_norm, embed, head, fc, trainable=True):
        super().__init__()
        self.body = Llama(hp, layers, output_norm, embed, head, trainable)
        self.fc = torch.nn.Parameter(fc.clone(), requires_grad=trainable)

    @property
    def layers(self):
        return self.body.layers

    @property
    def wq(self):
        return self.body.wq

    @wq.setter
    def wq(self, f):
        self.body.wq = f

    @property
    def output_norm(self):
        return self.body.output_norm

    def features(self, tokens, prev_feat):
        """tokens: [B, T]; prev_feat: [B, T, d], g_{i-1} at each position i -> draft features [B, T, d]."""
        b = self.body
        x0 = torch.cat([b.embed[tokens].float(), prev_feat.float()], -1) @ b.W(self.fc).T
        return b.hidden(tokens, x0=x0)

    def head_logits(self, feat):
        return self.body.head_logits(feat)


def shift_features(f):
    """[B, T, d] features of positions 0..T-1 -> what positions 0..T-1 read: g_{i-1} (zeros at 0)."""
    return torch.cat([torch.zeros_like(f[:, :1]), f[:, :-1]], 1)


def load_layers(tg, idx, device, dtype):
    out = []
    for i in idx:
        out.append({k: torch.from_numpy(tg.weight(f"blk.{i}.{k}.weight")).to(device, dtype) for k in LAYER_KEYS})
    return out



@torch.no_grad()
def generate(model, prompts, max_new, eos_id, temperature, gen, batch=512, pad_id=0):
    """Batched generation with a KV cache; prompts (id lists) are left-padded within a batch.
    Returns the new tokens of each prompt (up to and including eos, or max_new of them). A batch
    that runs out of GPU memory is split in two and retried."""
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))  # similar lengths together
    results = [None] * len(prompts)
    todo = [order[b0:b0 + batch] for b0 in range(0, len(order), batch)]
    while todo:
        idxs = todo.pop(0)
        try:
            outs = _generate_batch(model, [prompts[i] for i in idxs], max_new, eos_id, temperature, gen, pad_id)
        except torch.cuda.OutOfMemoryError:
            if len(idxs) == 1:
                raise
            torch.cuda.empty_cache()
            print(f"generate: out of memory at batch {len(idxs)}, splitting", flush=True)
            todo[:0] = [idxs[:len(idxs) // 2], idxs[len(idxs) // 2:]]
            continue
        for i, seq in zip(idxs, outs):
            results[i] = seq
    return results


def _generate_batch(model, prompts, max_new, eos_id, temperature, gen, pad_id):
    device = model.embed.device
    n = max(len(p) for p in prompts)
    B = len(prompts)
    toks = torch.full((B, n), pad_id, dtype=torch.long, device=device)
    pad = torch.zeros(B, dtype=torch.long, device=device)
    for j, p in enumerate(prompts):
        toks[j, n - len(p):] = torch.tensor(p, device=device)
        pad[j] = n - len(p)
    valid = torch.arange(n + max_new, device=device)[None, :] >= pad[:, None]  # [B, n + max_new]
    pos = torch.arange(n, device=device)[None, :] - pad[:, None]
    cache = KvCache(len(model.layers), B, model.KV, n + max_new, model.hd, device)
    logits = model.head_logits(model.hidden(toks, pos, cache, valid)[:, -1]).float()  # [B, vocab]
    done = torch.zeros(B, dtype=torch.bool, device=device)
    new = []
    for step in range(max_new):
        if temperature > 0:
            nxt = torch.multinomial(torch.softmax(logits / temperature, -1), 1, generator=gen)[:, 0]
        else:
            nxt = logits.argmax(-1)
        nxt = torch.where(done, torch.full_like(nxt, pad_id), nxt)
        new.append(nxt)
        done = done | (nxt == eos_id)
        if bool(done.all()) or step == max_new - 1:
            break
        p = (n + step - pad)[:, None]
        logits = model.head_logits(model.hidden(nxt[:, None], p, cache, valid)[:, -1]).float()
    out = []
    for seq in torch.stack(new, 1).tolist():
        if eos_id in seq:
            seq = seq[:seq.index(eos_id) + 1]
        out.append(seq)
    return out
