# Why: tells whether the engine runs a draft as it was trained. Replays the evaluation prompt sets in
# PyTorch: the fp32 target's greedy continuation of each prompt, the draft teacher-forced over it (its
# head's vocabulary subset), acceptance counted from the start positions greedy speculative decoding
# visits (train.acceptance_spec) — the figures `scripts/run/draft-acceptance.sh` measures in the engine.
# Runs on a CPU (torch, numpy, regex, gguf-py). Usage:
#   python3 replay_acceptance.py TARGET.gguf DRAFT.gguf [prompts per set (48)] [max new (64)]
import json, os, sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hs_gguf import TargetGguf, _field
from hs_tokenizer import chat
from llama_torch import Llama, generate, load_layers
from train import acceptance_spec


def main():
    target_path, draft_path = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 48
    new = int(sys.argv[4]) if len(sys.argv) > 4 else 64
    prompt_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../configs/prompts")
    tg = TargetGguf(target_path)
    hp, tok = tg.hp, tg.tokenizer
    embed = torch.from_numpy(tg.weight("token_embd.weight"))
    head = embed if tg.head_name() == "token_embd.weight" else torch.from_numpy(tg.weight(tg.head_name()))
    target = Llama(hp, load_layers(tg, range(hp["n_layers"]), "cpu", torch.float32),
                   torch.from_numpy(tg.weight("output_norm.weight")), embed, head, trainable=False).eval()
    dg = TargetGguf(draft_path)
    sub = torch.tensor([int(x) for x in _field(dg.r, "hetspec.draft.head_token_ids", [])] or range(hp["vocab"]))
    draft = Llama(hp, load_layers(dg, range(dg.hp["n_layers"]), "cpu", torch.float32),
                  torch.from_numpy(dg.weight("output_norm.weight")), embed, head, trainable=False).eval()
    gen = torch.Generator().manual_seed(1)
    for f in sorted(os.listdir(prompt_dir)):
        if not f.endswith(".jsonl"):
            continue
        prompts = [json.loads(l)["prompt"] for l in open(os.path.join(prompt_dir, f)) if l.strip()][:n]
        ids = [tok.encode(chat(p)) for p in prompts]
        outs = generate(target, ids, new, tok.eos_id, 0.0, gen, batch=16)
        seqs = [p + o for p, o in zip(ids, outs)]
        lens, starts = [len(s) for s in seqs], [len(p) for p in ids]
        match = np.zeros((len(seqs), max(lens)), bool)
        with torch.no_grad():
            for j, s in enumerate(seqs):
                t = torch.tensor([s])
                t_arg = target.logits(t).argmax(-1)[0]
                q_arg = sub[draft.logits(t)[0][:, sub].argmax(-1)]
                match[j, :len(s)] = (t_arg == q_arg).numpy()
        cond, mean_len = acceptance_spec(match, starts, lens, 4)
        print(f"{f[:-6]}: per position {' '.join(f'{c:.3f}' for c in cond)}, mean {np.mean(cond):.3f}, "
              f"tokens/iteration {mean_len + 1:.2f}", flush=True)


if __name__ == "__main__":
    main()
