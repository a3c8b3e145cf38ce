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

    def _tables(self, n, device):
        if self.cos is None or self.cos.shape[0] < n:
            self.cos, self.sin = rope_tables(self.hd, self.hp["rope_theta"], max(n, 4096), device)
        return self.cos, self.sin

    def hidden(self, tokens, pos=None, cache=None, kv_valid=None):
        """tokens: [B, T] -> normed final hidden [B, T, d]. pos: [B, T] positions (default 0..T-1).
        cache: list per layer of (k, v) [B, S, KV, hd] to extend (generation), or None (training:
        causal over T). kv_valid: [B, S_total] bool, False for left padding (generation only)."""
        B, T = tokens.shape
        if pos is None:
            pos = torch.arange(T, device=tokens.device)[None, :].expand(B, T)
        x = self.embed[tokens].float()  # [B, T, d]; the residual stream stays fp32
        cos, sin = self._tables(int(pos.max()) + 1, tokens.device)
        pc = pos.clamp(min=0)
        cos, sin = cos[pc], sin[pc]  # [B, T, hd/2]
        for li, L in enumerate(self.layers):
            h = rms_norm(x, L["attn_norm"], self.eps)
            q = (h @ L["attn_q"].T).view(B, T, self.H, self.hd)
            k = (h @ L["attn_k"].T).view(B, T, self.KV, self.hd)
            v = (h @ L["attn_v"].T).view(B, T, self.KV, self.hd)
            q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
            if cache is not None:
                if cache[li] is not None:
                    k = torch.cat([cache[li][0], k], 1)
                    v = torch.cat([cache[li][1], v], 1)
                cache[li] = (k, v)
            # [B, H, T, hd] with kv heads repeated for grouped-query attention
            qh = q.transpose(1, 2)
            kh = k.transpose(1, 2).repeat_interleave(self.H // self.KV, dim=1)
            vh = v.transpose(1, 2).repeat_interleave(self.H // self.KV, dim=1)
            S = kh.shape[2]
            if kv_valid is None and T == S:
                a = F.scaled_dot_product_attention(qh, kh, vh, is_causal=True)
            else:
                # query t (the last T of S keys) sees keys <= S - T + t that are not padding
                mask = torch.ones(T, S, dtype=torch.bool, device=x.device).tril(S - T)[None, None]
                if kv_valid is not None:
                    # padding keys are hidden; a padding query sees itself (no all-masked row, no NaN)
                    self_key = torch.zeros(T, S, dtype=torch.bool, device=x.device)
                    self_key[:, S - T:] = torch.eye(T, dtype=torch.bool, device=x.device)
                    mask = mask & (kv_valid[:, None, None, :S] | self_key[None, None])
                a = F.scaled_dot_product_attention(qh, kh, vh, attn_mask=mask)
            x = x + a.transpose(1, 2).reshape(B, T, self.d) @ L["attn_output"].T
            h = rms_norm(x, L["ffn_norm"], self.eps)
            x = x + (F.silu(h @ L["ffn_gate"].T) * (h @ L["ffn_up"].T)) @ L["ffn_down"].T
        return rms_norm(x, self.output_norm, self.eps)

    def logits(self, tokens, pos=None, cache=None, kv_valid=None):
        return self.hidden(tokens, pos, cache, kv_valid) @ self.head.T  # [B, T, vocab]


def load_layers(tg, idx, device, dtype):
    out = []
    for i in idx:
        out.append({k: torch.from_numpy(tg.weight(f"blk.{i}.{k}.weight")).to(device, dtype) for k in LAYER_KEYS})
    return out


@torch.no_grad()
def generate(model, prompts, max_new, eos_id, temperature, gen, batch=512, pad_id=0):
    """Batched generation with a KV cache; prompts (id lists) are left-padded within a batch.
    Returns the new tokens of each prompt (up to and including eos, or max_new of them)."""
    device = model.embed.device
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))  # similar lengths together
    results = [None] * len(prompts)
    for b0 in range(0, len(order), batch):
        idxs = order[b0:b0 + batch]
        n = max(len(prompts[i]) for i in idxs)
        B = len(idxs)
        toks = torch.full((B, n), pad_id, dtype=torch.long, device=device)
        pad = torch.zeros(B, dtype=torch.long, device=device)
        for j, i in enumerate(idxs):
            p = prompts[i]
            toks[j, n - len(p):] = torch.tensor(p, device=device)
            pad[j] = n - len(p)
        valid = torch.arange(n + max_new, device=device)[None, :] >= pad[:, None]  # [B, n + max_new]
        pos = torch.arange(n, device=device)[None, :] - pad[:, None]
        cache = [None] * len(model.layers)
        logits = model.logits(toks, pos, cache, valid)[:, -1].float()
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
            logits = model.logits(nxt[:, None], p, cache, valid)[:, -1].float()
        new = torch.stack(new, 1).tolist()
        for j, i in enumerate(idxs):
            seq = new[j]
            if eos_id in seq:
                seq = seq[:seq.index(eos_id) + 1]
            results[i] = seq
    return results
