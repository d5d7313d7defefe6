#!/usr/bin/env python3
"""The structure-estimation studies of docs/calibration.md ("Recovery of known loadings") and
docs/simulation.md ("The real flow: the structure estimated from a first wave").

Usage:
  python3 scripts/structure_study.py recovery [--agents 1000,5000] [--reps 1000:5,5000:2]
      [--truth tests/data/structures/mixed-0.3-0.9.toml] [--perturb 0] [--seed 100]
  python3 scripts/structure_study.py wave1 [--agents 2000] [--perturb 0.3] [--seed 1]
      [--correlations 0.3,0.5,0.7,0.85]   # then: python3 scripts/profile_study.py
                                          #   --only headline,robustness --estimated 'WORK/wave1-{}.toml'
  common: [--jauge target/release/jauge] [--bank item-bank] [--work /dev/shm/jauge-structure]

recovery: for each size N and replication r, one command records N simulated agents drawn from the
true structure through the live-session engine on a copy of the bank:
    jauge simulate --bank BANK --examinees N --true-structure TRUTH --perturb P --seed S --record DB
(S = --seed + 1000 r + N), and one estimates the loadings from that store:
    jauge calibrate --db DB --bank BANK --structure --include-simulated --json
Nothing is computed here but the comparison with the truth: RMSE and bias of λ over the 16
competences, the mean SE, and the RMS of (λ̂ − λ)/SE (1 when the SEs are right), pooled over the
replications; per competence at the largest size.

wave1: for each true correlation R, a first wave of simulated agents with the abilities
equicorrelated R (tests/data/structures/equicorrelated-R.toml as --true-structure: λ = √R, drawn on
their own random stream, so the agents differ from the second wave's), true item parameters
perturbed with --perturb and --seed (the same true items as the second wave's
`profile_study.py` runs with the same --perturb and --seed), the engine with the bank's structure
in force (the assumed one), recorded; then the structure estimated from it, copied to
WORK/wave1-R.toml.
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import time


def sh(cmd):
    t = time.time()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return out, time.time() - t


def fresh_bank(o, name):
    dst = os.path.join(o.work, name)
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(o.bank, dst)
    return dst


def record(o, bank, n, truth, perturb, seed, db):
    for suffix in ["", "-wal", "-shm"]:
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    cmd = [o.jauge, "simulate", "--bank", bank, "--examinees", str(n), "--true-structure", truth,
           "--perturb", str(perturb), "--seed", str(seed), "--record", db, "--json"]
    out, secs = sh(cmd)
    return json.loads(out), secs, cmd


def estimate(o, bank, db):
    cmd = [o.jauge, "calibrate", "--db", db, "--bank", bank, "--structure", "--include-simulated", "--json"]
    out, secs = sh(cmd)
    return json.loads(out), secs, cmd


def read_truth(path):
    lam = {}
    inside = False
    for line in open(path):
        line = line.strip()
        if line.startswith("["):
            inside = line == "[loadings]"
            continue
        if inside and "=" in line:
            k, v = line.split("=")
            lam[k.strip().strip('"')] = float(v)
    return lam


def recovery(o):
    truth = read_truth(o.truth)
    sizes = [int(x) for x in o.agents.split(",")]
    reps = {int(k): int(v) for k, v in (x.split(":") for x in o.reps.split(","))} if o.reps else {}
    os.makedirs(o.work, exist_ok=True)
    print(f"Truth: {o.truth}; true item parameters perturbed with SD {o.perturb}.\n")
    print("| agents | replications | RMSE λ | bias λ | mean abs. error | mean SE | RMS z (observed) | "
          "RMS z (sandwich) | iterations | record s | estimate s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    last = None
    for n in sizes:
        errs, z_obs, z_rob, ses, its, rec_s, est_s = [], [], [], [], [], [], []
        for r in range(reps.get(n, 1)):
            bank = fresh_bank(o, f"bank-{n}-{r}")
            db = os.path.join(o.work, f"recovery-{n}-{r}.db")
            seed = o.seed + 1000 * r + n
            _, rs, _ = record(o, bank, n, o.truth, o.perturb, seed, db)
            v, es, cmd = estimate(o, bank, db)
            assert v["converged"], v
            rec_s.append(rs)
            est_s.append(es)
            its.append(v["iterations"])
            for l in v["loadings"]:
                e = l["lambda"] - truth[l["competence"]]
                errs.append(e)
                if l["se"] is not None:
                    ses.append(l["se"])
                    z_obs.append(e / l["se"])
                if l["se_robust"] is not None:
                    z_rob.append(e / l["se_robust"])
            last = (n, v, seed)
            shutil.rmtree(bank, ignore_errors=True)
        rms = lambda xs: math.sqrt(sum(x * x for x in xs) / len(xs))
        mean = lambda xs: sum(xs) / len(xs)
        print(f"| {n:,} | {reps.get(n, 1)} | {rms(errs):.4f} | {mean(errs):+.4f} | {mean([abs(e) for e in errs]):.4f} | "
              f"{mean(ses):.4f} | {rms(z_obs):.2f} | {rms(z_rob):.2f} | {mean(its):.1f} | {mean(rec_s):.0f} | "
              f"{mean(est_s):.1f} |", flush=True)
    n, v, seed = last
    print(f"\nPer competence, {n:,} agents (seed {seed}):\n")
    print("| competence | true λ | estimate | SE | sandwich SE | error |")
    print("|---|---|---|---|---|---|")
    for l in v["loadings"]:
        t = truth[l["competence"]]
        se = "–" if l["se"] is None else f"{l['se']:.3f}"
        rb = "–" if l["se_robust"] is None else f"{l['se_robust']:.3f}"
        print(f"| {l['competence']} | {t:.2f} | {l['lambda']:.3f} | {se} | {rb} | {l['lambda'] - t:+.3f} |")
    print(f"\nlog-likelihood {v['loglik']:.1f}, independence {v['loglik_independent']:.1f}, "
          f"likelihood ratio {v['likelihood_ratio']:.1f}; {v['responses']:,} responses")


def wave1(o):
    os.makedirs(o.work, exist_ok=True)
    print("| true correlation | wave 1: agents | responses | mean λ̂ | implied mean correlation | min–max λ̂ | "
          "mean SE | file |")
    print("|---|---|---|---|---|---|---|---|")
    for rho in o.correlations.split(","):
        bank = fresh_bank(o, f"bank-wave1-{rho}")
        db = os.path.join(o.work, f"wave1-{rho}.db")
        truth = f"tests/data/structures/equicorrelated-{rho}.toml"
        record(o, bank, o.agents, truth, o.perturb, o.seed, db)
        v, _, _ = estimate(o, bank, db)
        assert v["converged"], v
        dst = os.path.join(o.work, f"wave1-{rho}.toml")
        shutil.copy(v["structure_file"], dst)
        lam = [l["lambda"] for l in v["loadings"]]
        ses = [l["se"] for l in v["loadings"] if l["se"] is not None]
        k = len(lam)
        corr = sum(lam[i] * lam[j] for i in range(k) for j in range(k) if i < j) / (k * (k - 1) / 2)
        print(f"| {rho} | {v['agents']:,} | {v['responses']:,} | {sum(lam) / k:.3f} | {corr:.3f} | "
              f"{min(lam):.3f}–{max(lam):.3f} | {sum(ses) / max(1, len(ses)):.3f} | `{dst}` |", flush=True)
        shutil.rmtree(bank, ignore_errors=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("study", choices=["recovery", "wave1"])
    p.add_argument("--jauge", default="target/release/jauge")
    p.add_argument("--bank", default="item-bank")
    p.add_argument("--work", default="/dev/shm/jauge-structure")
    p.add_argument("--truth", default="tests/data/structures/mixed-0.3-0.9.toml")
    p.add_argument("--agents", default=None)
    p.add_argument("--reps", default="")
    p.add_argument("--perturb", default=None)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--correlations", default="0.3,0.5,0.7,0.85")
    o = p.parse_args()
    if o.study == "recovery":
        o.agents = o.agents or "1000,5000"
        o.perturb = o.perturb if o.perturb is not None else "0"
        o.seed = 100 if o.seed is None else o.seed
        recovery(o)
    else:
        o.agents = int(o.agents or 2000)
        o.perturb = o.perturb if o.perturb is not None else "0.3"
        o.seed = 1 if o.seed is None else o.seed
        wave1(o)


if __name__ == "__main__":
    main()
