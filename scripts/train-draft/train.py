# Why: reproduces the shipped draft (models/smollm2-135m-draft.gguf) from the target GGUF alone, in
# one run on the GPU machine: the target writes its own training data (stage 1 samples English
# sentences and questions from prompts in train_prompts.py; stage 2 continues translation and chat
# prompts built from them greedily, as `hetspec run` decodes), then small Llama drafts that share the
# target's embedding and head are distilled on the target's full next-token distribution (KL), the
# best is chosen by held-out greedy acceptance against its cost, and written as "hetspec draft v1"
# with a frequency-ranked vocabulary subset for its head (FR-Spec).
#
# Time is budgeted against a wall-clock end (--end-by): data generation stops at its share,
# distillation runs until the evaluation and the file still fit.
#
# Usage: python3 train.py --target T.gguf --out DIR [--end-by EPOCH_S | --train-seconds 300] [--smoke]
import argparse, hashlib, json, math, os, random, sys, time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hs_gguf import TargetGguf, write_draft
from hs_tokenizer import chat
from llama_torch import LAYER_KEYS, EagleDraft, Llama, generate, load_layers, shift_features
import train_prompts as tp

T0 = time.time()


def log(*a):
    print(f"[{time.time() - T0:7.1f}s]", *a, flush=True)


def eval_texts(prompt_dir):
    """Sentences and questions of the evaluation sets: any training prompt containing one is dropped."""
    out = []
    for f in sorted(os.listdir(prompt_dir)):
        if f.endswith(".jsonl"):
            for line in open(os.path.join(prompt_dir, f)):
                if line.strip():
                    p = json.loads(line)["prompt"]
                    out.append(p.split("English: ", 1)[1].split("\n")[0] if "English: " in p else p)
    return out


def parse_variants(spec, default_dtype):
    # "6:0,6,12,18,24,29:q4_0;E2:0,29:q8_0" -> [(name, [init layer ids], dtype of its matrices, kind)];
    # a count prefixed E is a feature-reading (EAGLE) draft, else a token-only one
    out = []
    for v in spec.split(";"):
        n, ids, *dt = v.split(":")
        kind = "eagle" if n.startswith("E") else "tokens"
        n = n.lstrip("E")
        ids = [int(x) for x in ids.split(",")]
        assert len(ids) == int(n)
        dtype = dt[0] if dt else default_dtype
        assert dtype in BYTES_PER_WEIGHT, dtype
        out.append((f"{'E' if kind == 'eagle' else 'L'}{n}-init{'-'.join(map(str, ids))}-{dtype}", ids, dtype, kind))
    return out


# bytes per weight of a matrix in the file (ggml block layouts)
BYTES_PER_WEIGHT = {"q8_0": 34 / 32, "q4_0": 18 / 32, "q4_1": 20 / 32, "f16": 2.0}


def fake_quant(dtype):
    """Quantization-aware training: w -> w rounded as gguf-py's quantizer stores dtype (blocks of 32
    along a row, scales in fp16), the gradient passed straight through to w. None for f16."""
    def q4_1(w):
        b = w.reshape(-1, 32)
        lo, hi = b.min(-1, keepdim=True).values, b.max(-1, keepdim=True).values
        d = (hi - lo) / 15
        idv = torch.where(d == 0, torch.zeros_like(d), 1 / d)
        q = torch.clamp(torch.trunc((b - lo) * idv + 0.5), 0, 15)
        wq = q * d.half().float() + lo.half().float()
        return (b + (wq - b).detach()).reshape(w.shape)

    def q4_0(w):
        b = w.reshape(-1, 32)
        mx = torch.gather(b, -1, b.abs().argmax(-1, keepdim=True))
        d = mx / -8
        idv = torch.where(d == 0, torch.zeros_like(d), 1 / d)
        q = torch.clamp(torch.trunc(b * idv + 8.5), 0, 15)
        wq = (q - 8) * d.half().float()
        return (b + (wq - b).detach()).reshape(w.shape)

    def q8_0(w):
        b = w.reshape(-1, 32)
        d = b.abs().max(-1, keepdim=True).values / 127
        idv = torch.where(d == 0, torch.zeros_like(d), 1 / d)
        wq = torch.round(b * idv) * d.half().float()
        return (b + (wq - b).detach()).reshape(w.shape)

    return {"q4_1": q4_1, "q4_0": q4_0, "q8_0": q8_0}.get(dtype)


def quantized_copy(d, dtype):
    """The draft as the engine will hold it: every matrix rounded through its file dtype (gguf-py's
    own quantizer, as write_draft uses), so the held-out acceptance includes the rounding's loss."""
    import copy
    from hs_gguf import round_trip
    q = copy.deepcopy(d)
    q.wq = None
    rt = lambda t: t.copy_(torch.from_numpy(round_trip(t.detach().float().cpu().numpy(), dtype)).to(t.device))
    with torch.no_grad():
        for L in q.layers:
            for key in LAYER_KEYS:
                if L[key].dim() == 2:
                    rt(L[key])
        if isinstance(q, EagleDraft):
            rt(q.fc)
    return q


def acceptance_spec_depth(matches, resp_start, lengths, gamma):
    """acceptance_spec() for a draft whose k-th drafted token comes from a different pass:
    matches[min(k, len - 1)] is the match matrix of the k-th token of an iteration (an EAGLE draft's
    first token reads the target's feature, later ones its own)."""
    reach = np.zeros(gamma + 1)
    acc_len = []
    m0 = matches[0]
    for i in range(m0.shape[0]):
        s = resp_start[i] - 1
        while s < lengths[i] - 1 - gamma:
            k = 0
            while k < gamma and matches[min(k, len(matches) - 1)][i, s + k]:
                k += 1
            acc_len.append(k)
            reach[:k + 1] += 1
            s += k + 1
    cond = [reach[j + 1] / reach[j] if reach[j] else 0.0 for j in range(gamma)]
    return cond, float(np.mean(acc_len)) if acc_len else 0.0


def eagle_passes(d, toks, f_target, n_pass):
    """Teacher-forced passes of an EAGLE draft: pass 1 reads the target's features (shifted: position i
    reads g_{i-1}), pass k > 1 reads pass k-1's own features, as the k-th token of a drafting round
    does. Returns each pass's features [B, T, d]."""
    out, prev = [], f_target
    for _ in range(n_pass):
        feat = d.features(toks, shift_features(prev))
        out.append(feat)
        prev = feat
    return out


def batches(seqs, weights, bsz, rng, pad):
    """Random batches of similar lengths (less padding): shuffle, sort within pools of 32 batches."""
    idx = list(range(len(seqs)))
    while True:
        rng.shuffle(idx)
        groups = []
        for p0 in range(0, len(idx), 32 * bsz):
            pool = sorted(idx[p0:p0 + 32 * bsz], key=lambda i: len(seqs[i]))
            groups += [pool[b0:b0 + bsz] for b0 in range(0, len(pool) - bsz + 1, bsz)]
        rng.shuffle(groups)
        for g in groups:
            sel = [seqs[i] for i in g]
            wsel = [weights[i] for i in g]
            T = max(len(s) for s in sel)
            toks = np.full((bsz, T), pad, np.int64)
            w = np.zeros((bsz, T), np.float32)
            for j, (s, ws) in enumerate(zip(sel, wsel)):
                toks[j, :len(s)] = s
                w[j, :len(s) - 1] = ws[:len(s) - 1]  # position t predicts token t+1
            yield toks, w


def acceptance(match, resp_start, lengths, gamma):
    """match: [N, T] bool, draft argmax == target argmax at position t (predicting token t+1).
    Greedy speculative decoding from every start position s in a response: drafted tokens are
    accepted while they match. Returns per-position conditional acceptance (len gamma) and the
    mean accepted length."""
    reach = np.zeros(gamma + 1)
    acc_len = []
    for i in range(match.shape[0]):
        for s in range(resp_start[i] - 1, lengths[i] - 1 - gamma):
            k = 0
            while k < gamma and match[i, s + k]:
                k += 1
            acc_len.append(k)
            reach[:k + 1] += 1
    cond = [reach[j + 1] / reach[j] if reach[j] else 0.0 for j in range(gamma)]
    return cond, float(np.mean(acc_len)) if acc_len else 0.0


def acceptance_spec(match, resp_start, lengths, gamma):
    """As acceptance(), but only from the start positions greedy speculative decoding visits: after an
    iteration that accepted k drafts the next starts k + 1 tokens later (behind the target's own
    token), as `hetspec run` measures. Those starts follow a rejection more often than the average
    position does, so these rates are lower than acceptance()'s and closer to the engine's."""
    return acceptance_spec_depth([match], resp_start, lengths, gamma)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--prompts-dir", default=os.path.join(os.path.dirname(__file__), "../../configs/prompts"))
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--samples-per-prompt", type=int, default=10)
    ap.add_argument("--max-new", type=int, default=96)
    ap.add_argument("--variants", default="5:0,7,15,22,29:q4_1",
                    help="drafts trained side by side: LAYERS:INIT_BLOCKS[:DTYPE];... (DTYPE default --dtype)")
    ap.add_argument("--head-vocab", default="4096,8192,16384,32768")
    ap.add_argument("--train-seconds", type=float, default=290, help="distillation time when --end-by is not given")
    ap.add_argument("--end-by", type=float, default=0, help="wall-clock end (epoch seconds): the run fits its stages to it")
    ap.add_argument("--stage2-share", type=float, default=0.3, help="share of the time left after stage 1 for stage 2's data")
    ap.add_argument("--gen-batch", type=int, default=2048)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=6e-4)
    ap.add_argument("--prompt-weight", type=float, default=0.1)
    ap.add_argument("--gamma", type=int, default=4)
    ap.add_argument("--dtype", default="q8_0")
    ap.add_argument("--eagle-passes", type=int, default=2,
                    help="EAGLE drafts: teacher-forced passes per step (pass k > 1 reads pass k-1's features)")
    ap.add_argument("--eagle-feat-weight", type=float, default=0.2, help="EAGLE drafts: weight of the feature regression")
    ap.add_argument("--eagle-fc-init", type=float, default=0.0,
                    help="EAGLE drafts: fc starts as [I | s*I] (s = this): the first layer reads the token's embedding and "
                         "s times the feature. The feature (RMS ~1.8 in SmolLM2) is 15x the embedding rows (~0.12): s = 1 "
                         "drowned the input the initial layers were trained on (held-out acceptance below the token-only draft's)")
    ap.add_argument("--init-draft", default="",
                    help="a draft GGUF (hetspec draft v1) whose layers and output_norm start every variant with as many "
                         "layers (e.g. the shipped token-only draft, to teach it to read features), instead of the target's blocks")
    ap.add_argument("--qat-share", type=float, default=0.4,
                    help="last share of the distillation time trained through the file dtype's rounding (QAT)")
    ap.add_argument("--fact-each", type=int, default=60,
                    help="draws per template family of the templated general-knowledge questions (stage 2; duplicates dropped)")
    ap.add_argument("--chat-samples", type=int, default=2,
                    help="sampled continuations (temperature 0.8) per chat/QA prompt in stage 2, beside the greedy one")
    ap.add_argument("--argmax-weight", type=float, default=0.0,
                    help="token drafts: add this weight times the cross-entropy to the target's argmax (greedy "
                         "verification accepts exactly that token) to the KL")
    ap.add_argument("--smoke", action="store_true", help="tiny data and 60 steps: checks the pipeline")
    a = ap.parse_args()
    if not 0 <= a.argmax_weight <= 100:  # also rejects nan
        ap.error(f"--argmax-weight: {a.argmax_weight} is not a weight in [0, 100]")
    os.makedirs(a.out, exist_ok=True)
    random.seed(a.seed)
    np.random.seed(a.seed)
    torch.manual_seed(a.seed)
    dev = "cuda" if torch.cuda.is_available() else "cpu"  # cpu: the smoke test on a machine without a GPU
    gen = torch.Generator(device=dev).manual_seed(a.seed)
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    end_by = a.end_by or None
    report = {"seed": a.seed, "target": os.path.basename(a.target), "args": vars(a),
              "gpu": torch.cuda.get_device_name(0) if dev == "cuda" else "none (cpu)", "torch": torch.__version__}

    # ---- the target, dequantized (fp32 weights, TF32 matmuls) ----
    tg = TargetGguf(a.target)
    hp = tg.hp
    tok = tg.tokenizer
    report["target_sha256"] = hashlib.sha256(open(a.target, "rb").read()).hexdigest()
    embed = torch.from_numpy(tg.weight("token_embd.weight")).to(dev)  # [vocab, d]
    head = embed if tg.head_name() == "token_embd.weight" else torch.from_numpy(tg.weight(tg.head_name())).to(dev)
    target = Llama(hp, load_layers(tg, range(hp["n_layers"]), dev, torch.float32),
                   torch.from_numpy(tg.weight("output_norm.weight")).to(dev), embed, head, trainable=False).eval()
    log(f"target loaded: {hp}")

    # ---- self-check against hetspec's own greedy output ----
    ref = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.json")))
    agree = []
    outs = generate(target, [tok.encode(chat(c["prompt"])) for c in ref["cases"]], 40, tok.eos_id, 0.0, gen)
    for c, o in zip(ref["cases"], outs):
        n = 0
        while n < min(len(o), len(c["greedy_ids"])) and o[n] == c["greedy_ids"][n]:
            n += 1
        agree.append(n)
    log(f"greedy agreement with hetspec (tokens before first difference): {agree}")
    report["reference_agreement"] = agree
    # hetspec quantizes activations to 8 bits (as llama.cpp does), so near-ties can differ early;
    # a wrong layout differs everywhere at once
    if max(agree) < 16:
        sys.exit("the PyTorch target disagrees with hetspec on every reference prompt: weights or RoPE layout wrong")

    # ---- stage 1: the target samples English sentences and questions ----
    spp = 1 if a.smoke else a.samples_per_prompt
    st1 = tp.stage1_prompts(a.seed, spp)
    if a.smoke:
        st1 = st1[:64]
    outs = generate(target, [tok.encode(chat(p)) for _, p in st1], 40, tok.eos_id, 0.9, gen, batch=a.gen_batch)
    sentences, questions = set(), set()
    for (kind, _), o in zip(st1, outs):
        s = tp.clean_line(tok.decode([t for t in o if t != tok.eos_id]))
        if s:
            (sentences if kind == "sentence" else questions).add(s)
    sentences, questions = sorted(sentences), sorted(questions)
    log(f"stage 1: {len(st1)} samples -> {len(sentences)} sentences, {len(questions)} questions")

    # ---- stage 2: translation and chat prompts, continued greedily (and some sampled) ----
    ev = eval_texts(a.prompts_dir)
    st2 = tp.stage2_prompts(sentences, questions, a.seed, ev, a.fact_each)
    if a.smoke:
        st2 = st2[:96]
    p_ids = [tok.encode(chat(p)) for _, p in st2]
    # greedy continuations of every prompt, then sampled ones (temperature 0.8): --chat-samples for every
    # chat/QA prompt (the harder kind), once for a quarter of the translation prompts; in chunks,
    # stopping at stage 2's share of the time (the prompts are in random order)
    t2 = time.time()
    stop2 = t2 + (a.stage2_share * (end_by - t2) if end_by else 1e9)
    samp_src = [i for i, (k, _) in enumerate(st2) if k != "translation"] * a.chat_samples
    samp_src += [i for i, (k, _) in enumerate(st2) if k == "translation"][: len(st2) // 4]
    random.Random(a.seed + 2).shuffle(samp_src)
    chunk = 2 * a.gen_batch

    def gen_chunks(src, temp):
        out = []
        for c0 in range(0, len(src), chunk):
            if time.time() > stop2:
                log(f"stage 2: time share used, {len(src) - c0} of {len(src)} prompts (temperature {temp}) left out")
                break
            out += generate(target, [p_ids[i] for i in src[c0:c0 + chunk]], a.max_new, tok.eos_id, temp, gen, batch=a.gen_batch)
        return out

    greedy = gen_chunks(list(range(len(st2))), 0.0)
    sampled = gen_chunks(samp_src, 0.8)
    samp_src = samp_src[:len(sampled)]
    gsrc = list(range(len(greedy)))
    seqs, weights, kinds, src_of = [], [], [], []
    for i, o in list(zip(gsrc, greedy)) + [(i, o) for i, o in zip(samp_src, sampled) if i < len(greedy)]:
        p = p_ids[i]
        seqs.append(p + o)
        weights.append([a.prompt_weight] * (len(p) - 1) + [1.0] * (len(o) + 1))
        kinds.append(st2[i][0])
        src_of.append(i)
    resp_start = [len(p_ids[i]) for i in src_of]
    n_tokens = sum(len(s) for s in seqs)
    log(f"stage 2: {len(st2)} prompts, {len(greedy)} continued greedily, {len(seqs)} sequences, {n_tokens} tokens "
        f"({sum(len(o) for o in greedy) + sum(len(o) for o in sampled)} generated) in {time.time() - t2:.0f}s")
    # held out: 4% of the greedy sequences (by prompt), never trained on
    rng = random.Random(a.seed)
    gidx = list(range(len(greedy)))
    rng.shuffle(gidx)
    val = set(gidx[:max(8, len(gidx) // 25)])
    train_i = [i for i in range(len(seqs)) if src_of[i] not in val]
    report["data"] = {"stage1_samples": len(st1), "sentences": len(sentences), "questions": len(questions),
                      "stage2_prompts": len(st2), "stage2_greedy": len(greedy), "stage2_sampled": len(sampled),
                      "sequences": len(seqs), "tokens": n_tokens,
                      "train_sequences": len(train_i), "heldout_sequences": len(val),
                      "kinds": {k: kinds.count(k) for k in sorted(set(kinds))}}
    with open(os.path.join(a.out, "train-data-sample.jsonl"), "w") as f:
        for i in sorted(val)[:20]:
            f.write(json.dumps({"kind": kinds[i], "prompt": st2[i][1], "greedy": tok.decode(greedy[i])}) + "\n")
    del greedy, sampled

    # FR-Spec: rank the vocabulary by frequency in the training sequences
    counts = np.bincount(np.concatenate([np.array(seqs[i]) for i in train_i]), minlength=hp["vocab"])
    ranked = np.argsort(-counts, kind="stable")

    # ---- distillation ----
    variants = parse_variants(a.variants, a.dtype)
    drafts, opts = [], []
    ebf, hbf = embed.to(torch.bfloat16), head.to(torch.bfloat16)
    init = TargetGguf(a.init_draft) if a.init_draft else None
    for name, ids, _, kind in variants:
        src, src_ids = tg, ids
        if init is not None and init.hp["n_layers"] == len(ids):
            src, src_ids = init, range(len(ids))
            log(f"{name}: layers and output_norm from {a.init_draft}")
        onorm = torch.from_numpy(src.weight("output_norm.weight")).to(dev)
        if kind == "eagle":
            # fc starts as [I | s I]: the token's embedding (what the first layer was made for) plus s times the feature
            eye = torch.eye(hp["d"], device=dev)
            d = EagleDraft(hp, load_layers(src, src_ids, dev, torch.float32), onorm, ebf, hbf,
                           torch.cat([eye, a.eagle_fc_init * eye], 1)).train()
        else:
            d = Llama(hp, load_layers(src, src_ids, dev, torch.float32), onorm, ebf, hbf, trainable=True).train()
        drafts.append(d)
        opts.append(torch.optim.AdamW(d.parameters(), lr=a.lr, betas=(0.9, 0.95), weight_decay=0.0))
    seq_tr, w_tr = [seqs[i] for i in train_i], [weights[i] for i in train_i]
    it = batches(seq_tr, w_tr, a.batch, rng, 0)
    t_start, step, warm = time.time(), 0, 200
    # the evaluation and the file take ~20 s on the H200; keep 30 s for them
    train_s = 30 if a.smoke else (end_by - t_start - 30 if end_by else a.train_seconds)
    log(f"distilling for {train_s:.0f}s")
    losses = [[] for _ in drafts]
    est_steps = None
    qat_at = None
    amp = torch.autocast(dev, dtype=torch.bfloat16)
    while True:
        el = time.time() - t_start
        if el > train_s or (a.smoke and step >= 60):
            break
        if qat_at is None and a.qat_share > 0 and (el > (1 - a.qat_share) * train_s or (a.smoke and step >= 30)):
            # the rest of the run sees the weights as the file will hold them (straight-through gradient)
            qat_at = step
            for (_, _, dtype, _), d in zip(variants, drafts):
                d.wq = fake_quant(dtype)
            log(f"step {step}: quantization-aware from here on")
        # the cosine's length from the pace since the last estimate (steps 50-100 first: the first
        # steps include warm-up), renewed every 500 steps (the first run's pace at step 100 was 135 ms,
        # its average 78 ms)
        if step == 50:
            mark = (step, el)
        if step == 100 or (step > 0 and step % 500 == 0):
            pace = (el - mark[1]) / (step - mark[0])
            est_steps = step + int((train_s - el) / pace)
            mark = (step, el)
            if step == 100:
                log(f"pace {pace * 1000:.0f} ms/step: ~{est_steps} steps")
        total = est_steps or 10 ** 9
        lr = a.lr * min(1.0, (step + 1) / warm) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, step / total))))
        toks, w = next(it)
        toks, w = torch.from_numpy(toks).to(dev), torch.from_numpy(w).to(dev)
        try:
            with torch.no_grad():
                f_t = target.hidden(toks)  # [B, T, d]: the target's head input (an EAGLE draft's feature)
                p_log = F.log_softmax(target.head_logits(f_t).float(), -1)  # [B, T, V]
                p = p_log.exp()
            for k, (d, o) in enumerate(zip(drafts, opts)):
                for g in o.param_groups:
                    g["lr"] = lr
                if isinstance(d, EagleDraft):
                    # token KL on every pass (later passes weigh half), and pass 1's features pulled
                    # toward the target's (smooth L1), so that its own features stand in for them
                    loss = 0
                    with amp:
                        feats = eagle_passes(d, toks, f_t, a.eagle_passes)
                    for j, fe in enumerate(feats):
                        with amp:
                            q_logits = d.head_logits(fe)
                        q_log = F.log_softmax(q_logits.float(), -1)
                        kl = (p * (p_log - q_log)).sum(-1)
                        loss = loss + (1.0 if j == 0 else 0.5) * (kl * w).sum() / w.sum()
                    reg = F.smooth_l1_loss(feats[0].float(), f_t.float(), reduction="none").mean(-1)
                    loss = loss + a.eagle_feat_weight * (reg * w).sum() / w.sum()
                else:
                    with amp:
                        q_logits = d.logits(toks)
                    q_log = F.log_softmax(q_logits.float(), -1)
                    per_tok = (p * (p_log - q_log)).sum(-1)  # KL, [B, T]
                    if a.argmax_weight > 0:
                        # greedy verification accepts the target's argmax and nothing else
                        per_tok = per_tok - a.argmax_weight * q_log.gather(-1, p_log.argmax(-1, keepdim=True)).squeeze(-1)
                    loss = (per_tok * w).sum() / w.sum()
                o.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(d.parameters(), 1.0)
                o.step()
                losses[k].append(loss.item() if step % 10 == 0 else float("nan"))
        except torch.cuda.OutOfMemoryError:
            # a long batch: skip it rather than lose the run
            p_log = p = q_logits = q_log = kl = per_tok = loss = f_t = None
            torch.cuda.empty_cache()
            log(f"step {step}: out of memory at batch {tuple(toks.shape)}, skipped")
            continue
        if step % 250 == 0:
            log(f"step {step} lr {lr:.2e} " + " ".join(f"{n}: {np.nanmean(l[-25:]):.4f}" for (n, *_), l in zip(variants, losses)))
        step += 1
    train_wall = time.time() - t_start
    log(f"trained {step} steps in {train_wall:.0f}s")
    for d in drafts:
        d.wq = None
    report["train"] = {"steps": step, "qat_from_step": qat_at, "wall_s": round(train_wall, 1), "batch_sequences": a.batch, "lr": a.lr,
                       "loss": "KL(target || draft) over the full vocabulary, response tokens weight 1, prompt tokens "
                               f"{a.prompt_weight}" + (f"; plus {a.argmax_weight} x cross-entropy to the target's argmax"
                                                        if a.argmax_weight > 0 else "")}

    # ---- held-out greedy acceptance, per variant (as written: matrices rounded to its dtype) and head size ----
    vsz = [int(x) for x in a.head_vocab.split(",")] + [hp["vocab"]]
    vl = sorted(val)
    res = {}
    target_bytes = sum(t.n_bytes for t in tg.r.tensors)
    head_row_bytes = tg.tensors[tg.head_name()].n_bytes / hp["vocab"]
    layer_weights = sum(hp["d"] * n for n in [hp["d"], hp["d"] // hp["heads"] * hp["kv_heads"] * 2, hp["d"], hp["ffn"] * 3])
    lens = [len(seqs[i]) for i in vl]
    rs = [resp_start[i] for i in vl]
    # the target's greedy tokens on the held-out sequences, once
    t_args = []
    with torch.no_grad():
        for b0 in range(0, len(vl), 64):
            bi = vl[b0:b0 + 64]
            T = max(len(seqs[i]) for i in bi)
            toks = torch.zeros(len(bi), T, dtype=torch.long, device=dev)
            for j, i in enumerate(bi):
                toks[j, :len(seqs[i])] = torch.tensor(seqs[i], device=dev)
            f = target.hidden(toks)
            t_args.append((toks, target.head_logits(f).argmax(-1), f))

    def match_matrices(model, v):
        """[one match matrix]; an EAGLE draft: one per teacher-forced pass (the k-th drafted token)."""
        sub = torch.from_numpy(ranked[:v].copy()).to(dev)
        n_pass = min(a.gamma, 4) if isinstance(model, EagleDraft) else 1
        mms = [np.zeros((len(vl), max(lens)), bool) for _ in range(n_pass)]
        j = 0
        with torch.no_grad():
            for toks, t_arg, f in t_args:
                with amp:
                    if isinstance(model, EagleDraft):
                        qs = [model.head_logits(fe).float() for fe in eagle_passes(model, toks, f, n_pass)]
                    else:
                        qs = [model.logits(toks).float()]
                ms = [(sub[q[:, :, sub].argmax(-1)] == t_arg).cpu().numpy() for q in qs]
                for r in range(toks.shape[0]):
                    for mm, m in zip(mms, ms):
                        mm[j, :lens[j]] = m[r, :lens[j]]
                    j += 1
        return mms

    for (name, ids, dtype, kind), d in zip(variants, drafts):
        d.eval()
        dq = quantized_copy(d, dtype)
        res[name] = {}
        for v in vsz:
            mms = match_matrices(dq, v)
            mm = mms[0]
            cond, mean_len = acceptance(mm, rs, lens, a.gamma)
            scond, smean = acceptance_spec_depth(mms, rs, lens, a.gamma)
            by_kind, spec_by_kind = {}, {}
            for kd in sorted(set(kinds[i] for i in vl)):
                sel = [j for j, i in enumerate(vl) if kinds[i] == kd]
                ck, _ = acceptance(mm[sel], [rs[j] for j in sel], [lens[j] for j in sel], a.gamma)
                sk, _ = acceptance_spec_depth([x[sel] for x in mms], [rs[j] for j in sel], [lens[j] for j in sel], a.gamma)
                by_kind[kd] = [round(float(x), 4) for x in ck]
                spec_by_kind[kd] = [round(float(x), 4) for x in sk]
            fc_weights = 2 * hp["d"] * hp["d"] if kind == "eagle" else 0
            cost = ((len(ids) * layer_weights + fc_weights) * BYTES_PER_WEIGHT[dtype] + v * head_row_bytes) / target_bytes
            # greedy tokens per verify pass over (gamma draft steps + one verify ~ 1.2 x a decode step),
            # from the rates speculative decoding meets
            speedup = (smean + 1) / (a.gamma * cost + 1.2)
            entry = {"per_position": [round(x, 4) for x in cond], "mean_per_position": round(float(np.mean(cond)), 4),
                     "mean_accepted": round(mean_len, 3), "spec_per_position": [round(x, 4) for x in scond],
                     "spec_mean_per_position": round(float(np.mean(scond)), 4), "spec_mean_accepted": round(smean, 3),
                     "cost_vs_target_bytes": round(cost, 4), "est_speedup_bytes_model": round(speedup, 3),
                     "per_position_by_kind": by_kind, "spec_per_position_by_kind": spec_by_kind}
            if v == vsz[0]:
                # what rounding to the dtype costs: the same draft unrounded
                fc, _ = acceptance_spec_depth(match_matrices(d, v), rs, lens, a.gamma)
                entry["spec_mean_per_position_unrounded"] = round(float(np.mean(fc)), 4)
            res[name][v] = entry
            log(f"{name} head {v}: accept/pos {[round(float(x), 3) for x in cond]} spec {[round(float(x), 3) for x in scond]} "
                f"(unrounded {entry.get('spec_mean_per_position_unrounded', '-')}) cost {cost:.3f} est {speedup:.2f}x; "
                f"spec by kind {spec_by_kind}")
        del dq
    report["heldout"] = res
    best = max(((n, v) for n in res for v in res[n] if v != hp["vocab"]), key=lambda nv: res[nv[0]][nv[1]]["est_speedup_bytes_model"])
    report["chosen"] = {"variant": best[0], "head_vocab": best[1], **res[best[0]][best[1]]}
    log(f"chosen: {best}")

    # ---- write the drafts: the best token-only one under the shipped name (what the engine runs), the
    # best feature-reading one as smollm2-135m-eagle.gguf ----
    report["files"] = {}
    for kind_want, fname in (("tokens", "smollm2-135m-draft.gguf"), ("eagle", "smollm2-135m-eagle.gguf")):
        cands = [(k, v) for k, (n, _, _, kind) in enumerate(variants) if kind == kind_want for v in res[n] if v != hp["vocab"]]
        if not cands:
            continue
        k, bv = max(cands, key=lambda kv: res[variants[kv[0]][0]][kv[1]]["est_speedup_bytes_model"])
        d = drafts[k]
        layers = [{key: L[key].detach().float().cpu().numpy() for key in LAYER_KEYS} for L in d.layers]
        path = os.path.join(a.out, fname)
        write_draft(path, tg, layers, d.output_norm.detach().float().cpu().numpy(), hp, ranked[:bv], fname[:-5],
                    variants[k][2], extra={"hetspec.draft.recipe": "scripts/train-draft/train.py", "hetspec.draft.seed": a.seed,
                                           "hetspec.draft.target_sha256": report["target_sha256"]},
                    fc=d.fc.detach().float().cpu().numpy() if isinstance(d, EagleDraft) else None)
        report["files"][fname] = {"variant": variants[k][0], "head_vocab": bv, "bytes": os.path.getsize(path),
                                  "sha256": hashlib.sha256(open(path, "rb").read()).hexdigest()}
        log(f"wrote {path} ({variants[k][0]}, head {bv}, {report['files'][fname]['bytes']} bytes)")
    first = next(iter(report["files"]))
    report["file"] = {"path": first, "bytes": report["files"][first]["bytes"], "sha256": report["files"][first]["sha256"]}
    report["wall_s"] = round(time.time() - T0, 1)
    report["final_loss"] = {n: round(float(np.nanmean(l[-50:])), 4) for (n, *_), l in zip(variants, losses)}
    json.dump(report, open(os.path.join(a.out, "train-report.json"), "w"), indent=1)
    log("wrote train-report.json")


if __name__ == "__main__":
    main()
