#!/usr/bin/env python3
"""Runs the `jauge simulate --bank` comparison of docs/simulation.md and prints its tables.

Usage: python3 scripts/bank_comparison.py [--jauge target/release/jauge] [--bank item-bank]
       [--examinees 2000] [--perturb 0.3] [--seed 1] [--threads 2]

Every figure in the tables comes from one `jauge simulate --bank … --json` run whose command is
printed with it; nothing is computed here but the layout.
"""
import argparse
import json
import subprocess
import sys

RULES = ["mfi", "kl", "random", "skills"]


def base(opts):
    return [opts.jauge, "simulate", "--bank", opts.bank, "--examinees", str(opts.examinees),
            "--perturb", str(opts.perturb), "--seed", str(opts.seed), "--threads", str(opts.threads)]


def run(opts, extra):
    """One run; returns (the flags added to the common command, its JSON)."""
    out = subprocess.run(base(opts) + extra + ["--json"], check=True, capture_output=True,
                         text=True).stdout
    return " ".join(extra), json.loads(out)


def fmt(x, d=3):
    return "–" if x is None else f"{x:.{d}f}"


HEADER = ("| flags | items / session | items / competence | mean SE | RMSE θ | level exact | "
          "level ±1 | mean abs. pix error | national level exact | national abs. pix error | max exposure |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|")


def table(opts, title, runs):
    common = " ".join(["jauge"] + base(opts)[1:])
    print(f"\n#### {title}\n")
    print(f"Each row: `{common} --json` followed by the row's flags.\n")
    print(HEADER)
    for flags, j in runs:
        print(f"| `{flags}` | {fmt(j['mean_length'], 1)} | {fmt(j['mean_length_per_competence'], 2)} | "
              f"{fmt(j['mean_se'])} | {fmt(j['rmse'])} | {fmt(j['level_exact'])} | "
              f"{fmt(j['level_within_one'])} | {fmt(j['pix_error'], 2)} | {fmt(j['national_level_exact'])} | "
              f"{fmt(j['national_pix_error'], 2)} | {fmt(j['max_exposure'], 2)} |")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--jauge", default="target/release/jauge")
    p.add_argument("--bank", default="item-bank")
    p.add_argument("--examinees", type=int, default=2000)
    p.add_argument("--perturb", type=float, default=0.3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    opts = p.parse_args()

    # 1. the documented full-profile plan (4–10 per competence, SE ≤ 0.55, ≤ 120 in all)
    default = [run(opts, ["--select", r]) for r in RULES]
    table(opts, "Default plan: 4–10 items per competence, SE ≤ 0.55, at most 120 in all", default)

    print("\n#### Per competence, default plan: RMSE θ / level exact / mean abs. pix error\n")
    print("| competence | items | " + " | ".join(f"`--select {r}`" for r in RULES) + " |")
    print("|---|---|" + "---|" * len(RULES))
    for k, c0 in enumerate(default[0][1]["competences"]):
        cells = [f"{j['competences'][k]['rmse']:.2f} / {j['competences'][k]['level_exact']:.2f} / "
                 f"{j['competences'][k]['pix_error']:.1f}" for _, j in default]
        print(f"| {c0['code']} | {c0['mean_length']:.0f} | " + " | ".join(cells) + " |")

    # 2. equal length: exactly L items per competence, no binding total
    runs = []
    for length in [4, 6, 8, 10]:
        for r in RULES:
            runs.append(run(opts, ["--select", r, "--length", str(length), "--min-length", str(length),
                                   "--max-total", "200"]))
    table(opts, "Equal length: exactly 4, 6, 8 or 10 items per competence", runs)

    # 3. equal accuracy: the skill rule on the default plan, the IRT rules with shorter maxima
    runs = [default[3]]
    for r in ["mfi", "kl"]:
        for length in [3, 4, 5, 6, 7]:
            runs.append(run(opts, ["--select", r, "--length", str(length)]))
    table(opts, "Equal accuracy: the skill rule on the default plan against the IRT rules with "
          "shorter maxima", runs)

    # 4. the plan's defaults, with maximum information
    variants = [
        [],
        ["--max-total", "160"],
        ["--length", "8", "--max-total", "128"],
        ["--length", "7", "--max-total", "112"],
        ["--se-target", "0.65", "--max-total", "160"],
        ["--length", "12", "--max-total", "192"],
        ["--length", "14", "--max-total", "224"],
    ]
    table(opts, "Plan variants (maximum information)", [run(opts, ["--select", "mfi"] + x) for x in variants])

    # 5. sensitivity to the truth of the parameters
    saved = opts.perturb
    for sd in [0.0, 0.5]:
        opts.perturb = sd
        table(opts, f"Default plan with --perturb {sd}", [run(opts, ["--select", r]) for r in ["mfi", "skills"]])
    opts.perturb = saved
    return 0


if __name__ == "__main__":
    sys.exit(main())
