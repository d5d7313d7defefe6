#!/usr/bin/env python3
"""Independent reference values for the marginal likelihood that `jauge calibrate --structure`
maximises (jauge_irt::structure_fit, docs/calibration.md "The profile structure").

Shares no code with jauge-irt. For a handful of agents (items, answers per competence) and two
sets of loadings it computes the marginal log-likelihood of every agent

    ln L_p(λ) = ln Σ_j ω_j Π_d Σ_k w_k(g_j; λ_d) L_pd(θ_k)

on the grids of SCORING.md (θ: 61 nodes on [-4, 4]; g: 41 nodes on [-4, 4]; ω and w_k(g) the
normal densities at the nodes renormalised to sum to 1, w per g node with mean λ g and variance
1 - λ²), with each L_pd accumulated in log space, two ways:

- by the formula above (every agent);
- by brute force over the joint grid g × θ_1 × θ_2 (× θ_3) for the agents with two or three
  competences answered, p(g, θ) = ω(g) Π_d w(θ_d | g) L_d(θ_d) summed over every cell;

the two must agree to 1e-12 before anything is written. It also writes the gradient of the total
log-likelihood by central differences (h = 1e-6) of its own total, which checks the analytic
gradient of the Rust code.

Run: python3 tests/reference/structure_fit_reference.py   (numpy 2.x)
It writes tests/reference/structure_fit_cases.csv (agent,competence,a,b,c,d,score: one row per
answer) and tests/reference/structure_fit_expected.csv (set,what,index,value: `lambda` rows give
the loadings of the set, `agent` rows ln L_p, `total` the sum, `gradient` dℓ/dλ_d), read by
crates/irt/tests/structure_fit_reference.rs.
"""
import csv
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
THETA = np.linspace(-4.0, 4.0, 61)
G = np.linspace(-4.0, 4.0, 41)
D = 4  # competences


def normalised_density(x, mean, var):
    w = np.exp(-0.5 * (x - mean) ** 2 / var)
    return w / w.sum()


OMEGA = normalised_density(G, 0.0, 1.0)


def conditional(lam):
    """w[j, k] = w_k(g_j), each row summing to 1."""
    var = 1.0 - lam * lam
    return np.array([normalised_density(THETA, lam * g, var) for g in G])


def log_likelihood(answers):
    """ln L(θ_k) of a list of (a, b, c, d, score)."""
    out = np.zeros_like(THETA)
    for a, b, c, d, score in answers:
        p = c + (d - c) / (1.0 + np.exp(-a * (THETA - b)))
        out += np.log(p if score else 1.0 - p)
    return out


def agent_loglik(lams, comps):
    """comps: {competence: answers}. The formula, in log space."""
    log_g = np.log(OMEGA).copy()
    for d, answers in comps.items():
        ll = log_likelihood(answers)
        m = ll.max()
        a = conditional(lams[d]) @ np.exp(ll - m)  # A_d(g_j) / e^m
        log_g += np.log(a) + m
    top = log_g.max()
    return top + np.log(np.exp(log_g - top).sum())


def agent_brute(lams, comps):
    """The joint grid g × θ_d1 × θ_d2 (× θ_d3)."""
    ds = sorted(comps)
    ws = [conditional(lams[d]) for d in ds]
    ls = [np.exp(log_likelihood(comps[d])) for d in ds]
    total = 0.0
    if len(ds) == 2:
        for j in range(len(G)):
            cell = np.outer(ws[0][j] * ls[0], ws[1][j] * ls[1])
            total += OMEGA[j] * cell.sum()
    else:
        for j in range(len(G)):
            cell = np.einsum("a,b,c->abc", ws[0][j] * ls[0], ws[1][j] * ls[1], ws[2][j] * ls[2])
            total += OMEGA[j] * cell.sum()
    return np.log(total)


def agents():
    rng = np.random.default_rng(20261203)
    out = []
    shapes = [
        {0: 6, 1: 5},  # two competences
        {0: 4, 2: 7, 3: 3},  # three
        {1: 8, 2: 2, 3: 9},  # three
        {0: 10, 1: 10, 2: 10, 3: 10},  # all four
        {0: 1, 3: 1},  # one answer each
        {0: 400, 1: 3, 2: 5},  # a long pattern (rescaling in the Rust code)
        {0: 12, 1: 12, 2: 12, 3: 12},
    ]
    for s, shape in enumerate(shapes):
        comps = {}
        for d, n in shape.items():
            answers = []
            for _ in range(n):
                a = round(float(rng.uniform(0.6, 2.2)), 3)
                b = round(float(rng.uniform(-2.5, 2.5)), 3)
                c = float(rng.choice([0.0, 0.25, 1.0 / 3.0]))
                d_ = float(rng.choice([1.0, 0.95]))
                score = int(rng.uniform() < 0.55)
                answers.append((a, b, c, d_, score))
            comps[d] = answers
        out.append(comps)
    return out


def main():
    ags = agents()
    sets = [[0.3, 0.6, 0.8, 0.5], [0.0, 0.95, 0.7071067811865476, 0.2]]
    rows = []
    for s, lams in enumerate(sets):
        for d, l in enumerate(lams):
            rows.append((s, "lambda", d, l))
        per = [agent_loglik(lams, c) for c in ags]
        for p, comps in enumerate(ags):
            if 2 <= len(comps) <= 3 and max(len(v) for v in comps.values()) < 100:
                brute = agent_brute(lams, comps)
                assert abs(brute - per[p]) < 1e-12 * max(1.0, abs(brute)), (s, p, brute, per[p])
            rows.append((s, "agent", p, per[p]))
        total = sum(per)
        rows.append((s, "total", 0, total))
        h = 1e-6
        for d in range(D):
            if lams[d] - h < 0.0 or lams[d] + h > 0.95:
                continue  # central differences only inside the box
            up = list(lams)
            dn = list(lams)
            up[d] += h
            dn[d] -= h
            g = (sum(agent_loglik(up, c) for c in ags) - sum(agent_loglik(dn, c) for c in ags)) / (2 * h)
            rows.append((s, "gradient", d, g))
    with open(os.path.join(HERE, "structure_fit_cases.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["agent", "competence", "a", "b", "c", "d", "score"])
        for p, comps in enumerate(ags):
            for d, answers in sorted(comps.items()):
                for a, b, c, d_, score in answers:
                    w.writerow([p, d, repr(a), repr(b), repr(c), repr(d_), score])
    with open(os.path.join(HERE, "structure_fit_expected.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["set", "what", "index", "value"])
        for s, what, i, v in rows:
            w.writerow([s, what, i, repr(float(v))])
    for s, what, i, v in rows:
        if what in ("total", "gradient"):
            print(s, what, i, v)


if __name__ == "__main__":
    main()
