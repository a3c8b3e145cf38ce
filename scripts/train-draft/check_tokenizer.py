# Why: training prompts must be tokenized exactly as `hetspec run` tokenizes them; this compares
# hs_tokenizer against `hetspec tokenize --chat --ids` on every evaluation prompt plus awkward text.
# Usage: python3 check_tokenizer.py HETSPEC_BIN TARGET.gguf configs/prompts/*.jsonl
import json, subprocess, sys
sys.path.insert(0, __import__("os").path.dirname(__file__))
from hs_gguf import TargetGguf
from hs_tokenizer import chat

hetspec, model, files = sys.argv[1], sys.argv[2], sys.argv[3:]
tok = TargetGguf(model).tokenizer
texts = [json.loads(l)["prompt"] for f in files for l in open(f) if l.strip()]
texts += ["It's 12:45, isn't it?  Yes -- 3.14159!", "Grüße aus München, ça va? ¿Dónde está?", "a\n\n  b\t c   ",
          "I'll we've they'd you're", "x=[1,2,3]; // comment", "emoji 😀 and 漢字"]
bad = 0
for t in texts:
    ref = json.loads(subprocess.run([hetspec, "tokenize", "--chat", "--ids", model, t], capture_output=True, text=True, check=True).stdout)
    got = tok.encode(chat(t))
    if got != ref:
        bad += 1
        print("MISMATCH", repr(t), got[-20:], ref[-20:])
    elif tok.decode(got) != chat(t):
        bad += 1
        print("DECODE MISMATCH", repr(t))
print(f"{len(texts) - bad}/{len(texts)} prompts tokenize identically")
sys.exit(1 if bad else 0)
