#!/usr/bin/env python3
"""Summarises hetspec run outputs (summary.json files under a directory) as a markdown table:
placement, draft, gamma, mode, acceptance per position, tokens/iteration, host share, speedup with
its 95% interval. Usage: table.py RUNS_DIR > table.md"""
import json
import pathlib
import sys


def fmt_acc(arm):
    return " ".join(f"{a['rate']:.2f}" for a in arm["acceptance"]) or "-"


def main():
    root = pathlib.Path(sys.argv[1])
    rows = []
    for f in sorted(root.glob("**/summary.json")):
        s = json.loads(f.read_text())
        p = s["arms"][0]
        base = next((a for a in s["arms"] if a["name"] == "baseline"), None)
        sp = s.get("speedup")
        spt = s.get("speedup_vs_plan_target")
        rows.append((f.parent.name, p, base, sp, spt, s))
    if not rows:
        sys.exit(f"no summary.json under {root}")
    s0 = rows[0][5]
    print(f"host: {s0['host']}; {s0['date']}; prompts {s0['prompts']}; max_new {s0['max_new']}; "
          f"{'TIMING MODE (accept rate ' + str(s0['accept_rate']) + ')' if s0['timing_mode'] else 'greedy, real acceptance'}\n")
    print("| run | draft | γ | mode | plan placement | acceptance per position | tok/iter | host % | plan ms/token | baseline ms/token | speedup [95%] | vs plan's target placement |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, p, base, sp, spt, s in rows:
        sp_s = f"{sp['value']:.3f} [{sp['lo95']:.3f}, {sp['hi95']:.3f}]" if sp else "-"
        spt_s = f"{spt['value']:.3f} [{spt['lo95']:.3f}, {spt['hi95']:.3f}]" if spt else "-"
        print(f"| {name} | {s['draft'].split('/')[-1]} | {p['gamma']} | {p['mode']} | {p['placement']} | {fmt_acc(p)} | "
              f"{p['tokens_per_iter']:.2f} | {100 * p['host_share']:.2f} | {p['per_token_us'] / 1e3:.2f} | "
              f"{(base['per_token_us'] / 1e3) if base else float('nan'):.2f} | {sp_s} | {spt_s} |")


if __name__ == "__main__":
    main()
