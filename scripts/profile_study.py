#!/usr/bin/env python3
"""Runs the studies of docs/simulation.md, "The correlated full profile" and "Exposure control",
and prints their tables (Markdown).

Usage: python3 scripts/profile_study.py [--jauge target/release/jauge] [--bank item-bank]
       [--examinees 2000] [--perturb 0.3] [--seed 1] [--threads 2] [--only headline,...]
       [--estimated wave1-{}.toml]

Every figure comes from one `jauge simulate --bank … --json` run whose flags are printed beside
it (the common part is printed once above each table); nothing is computed here but the layout
and, for the robustness table, the length of the separate tests to compare with (the
structured run's mean length, split evenly over the 16 competences).

Tables: headline, robustness, order, sweep, exposure (docs/simulation.md), scoring
(docs/scoring.md). The structure files of the true
equicorrelated populations are tests/data/structures/equicorrelated-R.toml (λ = √R).
"""
import argparse
import json
import math
import subprocess

STRUCTURES = "tests/data/structures/equicorrelated-{}.toml"


def base(o):
    return [o.jauge, "simulate", "--bank", o.bank, "--examinees", str(o.examinees), "--perturb",
            str(o.perturb), "--seed", str(o.seed), "--threads", str(o.threads)]


def run(o, extra):
    out = subprocess.run(base(o) + extra + ["--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def f(x, d=3):
    return "–" if x is None else f"{x:.{d}f}"


HEAD = ("| flags | questions | RMSE θ | level exact | level ±1 | deviation RMSE | mean SE | "
        "max exposure | separate RMSE | separate level ±1 |")
RULE = "|---|---|---|---|---|---|---|---|---|---|"


def row(flags, j):
    s = j["separate"]
    return (f"| `{' '.join(flags)}` | {f(j['mean_length'], 1)} | {f(j['rmse'])} | {f(j['level_exact'])} | "
            f"{f(j['level_within_one'])} | {f(j['deviation_rmse'])} | {f(j['mean_se'])} | "
            f"{f(j['max_exposure'], 2)} | {f(s['rmse'])} | {f(s['level_within_one'])} |")


def table(o, title, runs):
    print(f"\n#### {title}\n")
    print(f"Each row: `{' '.join(['jauge'] + base(o)[1:])} --json` followed by the row's flags.\n")
    print(HEAD)
    print(RULE)
    out = []
    for flags in runs:
        j = run(o, flags)
        print(row(flags, j), flush=True)
        out.append(j)
    return out


SEPARATE_10 = ["--structure", "independent", "--length", "10", "--min-length", "10", "--max-total", "160"]


def headline(o):
    s7 = STRUCTURES.format("0.7")
    runs = [
        ["--correlation", "0.7"] + SEPARATE_10 + ["--no-exposure"],
        ["--correlation", "0.7", "--structure", s7, "--no-exposure"],
        ["--correlation", "0.7", "--structure", s7],
        ["--correlation", "0.7", "--no-exposure"],
        ["--correlation", "0.7"],
    ]
    # the product's real flow: the structure estimated by `jauge calibrate --db --structure`
    # from a first simulated wave (a file given with --estimated FILE, one per true correlation:
    # FILE with {} replaced by the correlation, e.g. wave1-{}.toml)
    if o.estimated:
        est = o.estimated.format("0.7")
        runs += [["--correlation", "0.7", "--structure", est, "--no-exposure"],
                 ["--correlation", "0.7", "--structure", est]]
    table(o, "Headline: true correlation 0.7, the engine given that structure", runs)


def robustness(o):
    print("\n#### Robustness: the default (assumed) structure in force, other true correlations\n")
    print(f"Each row: `{' '.join(['jauge'] + base(o)[1:])} --json --no-exposure` followed by the "
          "row's flags; the separate tests have the structured run's mean length, split evenly.\n")
    print("| true correlation | structured: questions | RMSE θ | level ±1 | deviation RMSE | "
          "separate tests: flags | RMSE θ | level ±1 | deviation RMSE | RMSE difference |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for rho in ["0.3", "0.5", "0.7", "0.85"]:
        a = run(o, ["--correlation", rho, "--no-exposure"])
        m = a["mean_length"]
        flags = ["--structure", "independent", "--length", str(math.ceil(m / 16 - 1e-9)), "--min-length",
                 str(math.floor(m / 16 + 1e-9)), "--max-total", str(round(m)), "--se-target", "0.01"]
        b = run(o, ["--correlation", rho, "--no-exposure"] + flags)
        print(f"| {rho} | {f(m, 1)} | {f(a['rmse'])} | {f(a['level_within_one'])} | {f(a['deviation_rmse'])} | "
              f"`{' '.join(flags)}` | {f(b['rmse'])} | {f(b['level_within_one'])} | {f(b['deviation_rmse'])} | "
              f"{a['rmse'] - b['rmse']:+.3f} |", flush=True)
    if not o.estimated:
        return
    print("\nThe same with the structure estimated from a first simulated wave at each correlation "
          f"(`--structure {o.estimated}`):\n")
    print("| true correlation | estimated structure: questions | RMSE θ | level ±1 | deviation RMSE | "
          "separate tests: flags | RMSE θ | level ±1 | deviation RMSE | RMSE difference |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for rho in ["0.3", "0.5", "0.7", "0.85"]:
        a = run(o, ["--correlation", rho, "--no-exposure", "--structure", o.estimated.format(rho)])
        m = a["mean_length"]
        flags = ["--structure", "independent", "--length", str(math.ceil(m / 16 - 1e-9)), "--min-length",
                 str(math.floor(m / 16 + 1e-9)), "--max-total", str(round(m)), "--se-target", "0.01"]
        b = run(o, ["--correlation", rho, "--no-exposure"] + flags)
        print(f"| {rho} | {f(m, 1)} | {f(a['rmse'])} | {f(a['level_within_one'])} | {f(a['deviation_rmse'])} | "
              f"`{' '.join(flags)}` | {f(b['rmse'])} | {f(b['level_within_one'])} | {f(b['deviation_rmse'])} | "
              f"{a['rmse'] - b['rmse']:+.3f} |", flush=True)


def order(o):
    s7 = STRUCTURES.format("0.7")
    runs = []
    for extra in [[], ["--se-target", "0.58", "--max-total", "80"]]:
        for order_ in ["round-robin", "largest-se"]:
            runs.append(["--correlation", "0.7", "--structure", s7, "--no-exposure", "--order", order_] + extra)
    # the default (assumed) structure in force, where the 64-question ceiling binds
    for rho in ["0.3", "0.7"]:
        for order_ in ["round-robin", "largest-se"]:
            runs.append(["--correlation", rho, "--no-exposure", "--order", order_])
    table(o, "Which competence next: round robin against the largest SE", runs)


def sweep(o):
    s7 = STRUCTURES.format("0.7")
    runs = []
    for se in ["0.54", "0.56", "0.58", "0.60"]:
        runs.append(["--correlation", "0.7", "--structure", s7, "--no-exposure", "--se-target", se, "--max-total", "80"])
    for mn in ["2", "4"]:
        runs.append(["--correlation", "0.7", "--structure", s7, "--no-exposure", "--min-length", mn])
    table(o, "Plan sweep: SE target, minimum (true correlation 0.7, that structure given)", runs)


def exposure(o):
    runs = []
    for rho in ["0", "0.3", "0.5", "0.6", "0.7", "0.85"]:
        runs.append(["--correlation", rho, "--no-exposure"])
        runs.append(["--correlation", rho])
    table(o, "Exposure control: the bank's Sympson–Hetter parameters against none", runs)


def scoring(o):
    """docs/scoring.md, "What version 2 gives, measured": exact parameters (--perturb 0), the
    structured score, its separate score, and the independent model's; the level bias is read
    from the --out file (mean of level − true level over the assessed pairs)."""
    import csv
    import os
    import tempfile
    print("\n#### Scoring version 2 on the bundled bank (exact parameters, true correlation 0.6)\n")
    common = [o.jauge, "simulate", "--bank", o.bank, "--examinees", str(o.examinees), "--perturb", "0",
              "--seed", str(o.seed), "--threads", str(o.threads), "--correlation", "0.6", "--no-exposure"]
    print(f"Each run: `{' '.join(['jauge'] + common[1:])} --out FILE --json` followed by the flags.\n")
    print("| score | flags | questions | RMSE θ | level exact | level ±1 | level bias | mean abs. pix error | "
          "deviation RMSE |")
    print("|---|---|---|---|---|---|---|---|---|")
    for flags in [[], ["--structure", "independent"]]:
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "out.csv")
            j = json.loads(subprocess.run(common + flags + ["--out", out, "--json"], check=True,
                                          capture_output=True, text=True).stdout)
            rows = [r for r in csv.DictReader(open(out)) if r["level"] != ""]
        bias = {k: sum(int(r[k]) - int(r["true_level"]) for r in rows) / len(rows)
                for k in ["level", "level_separate"]}
        shown = f"`{' '.join(flags)}`" if flags else "(the bank's structure)"
        label = "structured (reported)" if not flags else "independent model"
        print(f"| {label} | {shown} | {f(j['mean_length'], 1)} | {f(j['rmse'])} | {f(j['level_exact'])} | "
              f"{f(j['level_within_one'])} | {bias['level']:+.3f} | {f(j['pix_error'], 2)} | "
              f"{f(j['deviation_rmse'])} |")
        if not flags:
            s = j["separate"]
            print(f"| separate, same sessions | {shown} | {f(j['mean_length'], 1)} | {f(s['rmse'])} | "
                  f"{f(s['level_exact'])} | {f(s['level_within_one'])} | {bias['level_separate']:+.3f} | "
                  f"{f(s['pix_error'], 2)} | {f(s['deviation_rmse'])} |", flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--jauge", default="target/release/jauge")
    p.add_argument("--bank", default="item-bank")
    p.add_argument("--examinees", type=int, default=2000)
    p.add_argument("--perturb", default="0.3")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--estimated", default=None,
                   help="structure files estimated from a first simulated wave, {} = the true correlation "
                        "(e.g. wave1-{}.toml): adds their rows to headline and robustness")
    p.add_argument("--only", default="headline,robustness,order,sweep,exposure,scoring")
    o = p.parse_args()
    for name in o.only.split(","):
        globals()[name](o)


if __name__ == "__main__":
    main()
