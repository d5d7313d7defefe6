#!/usr/bin/env python3
"""Independent reference values for the profile structure of SCORING.md (version 2).

Shares no code with jauge-irt. For each case (items, answers and loadings per competence) it
computes the posterior of every competence on the θ grid two ways:

- brute force (cases with 3 competences): the joint grid g × θ_1 × θ_2 × θ_3 (41 × 61³ cells),
  p(g, θ) ∝ ω(g) Π_d w(θ_d | g) L_d(θ_d), summed over every other axis;
- the formula of SCORING.md (every case): A_d(g) = Σ_k w_k(g) L_d(θ_k),
  p(g | all) ∝ ω(g) Π_d A_d(g), p(θ_k | all) = Σ_j p(g_j | all) w_k(g_j) L_d(θ_k) / A_d(g_j);

and, for the λ = 0 case, the separate posterior w_k L_d(θ_k) / Σ (version 1). The two ways
must agree to 1e-13 before anything is written.

Grids (SCORING.md): θ 61 nodes on [-4, 4], g 41 nodes on [-4, 4], both end points included;
ω and w_k(g) = the normal densities at the nodes renormalised to sum to 1 (w per g node, with
mean λ g and variance 1 - λ²).

Run: python3 tests/reference/structure_reference.py   (numpy 2.x)
It writes tests/reference/structure_cases.csv (case,competence,lambda,a,b,c,d,score: one row
per answer; a competence without answers has one row with empty item fields) and
tests/reference/structure_expected.csv (case,competence,node,weight,mean,sd), read by
crates/irt/tests/structure_reference.rs.
"""
import csv
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
THETA = np.linspace(-4.0, 4.0, 61)
G = np.linspace(-4.0, 4.0, 41)


def normalised_density(x, mean, var):
    w = np.exp(-0.5 * (x - mean) ** 2 / var)
    return w / w.sum()


OMEGA = normalised_density(G, 0.0, 1.0)


def conditional(lam):
    """w[j, k] = w_k(g_j), each row summing to 1."""
    var = 1.0 - lam * lam
    return np.array([normalised_density(THETA, lam * g, var) for g in G])


def likelihood(answers):
    like = np.ones_like(THETA)
    for a, b, c, d, score in answers:
        p = c + (d - c) / (1.0 + np.exp(-a * (THETA - b)))
        like *= p if score else 1.0 - p
    return like


def by_formula(lams, answers):
    ws = [conditional(l) for l in lams]
    ls = [likelihood(x) for x in answers]
    a = [w @ l for w, l in zip(ws, ls)]  # A_d(g_j)
    pg = OMEGA * np.prod(a, axis=0)
    pg /= pg.sum()
    out = []
    for w, l, ad in zip(ws, ls, a):
        post = l * ((pg / ad) @ w)
        out.append(post / post.sum())
    return out


def brute_force(lams, answers):
    assert len(lams) == 3
    w = [conditional(l) for l in lams]
    ls = [likelihood(x) for x in answers]
    f = [w[d] * ls[d][None, :] for d in range(3)]  # (g, θ_d)
    joint = (
        OMEGA[:, None, None, None]
        * f[0][:, :, None, None]
        * f[1][:, None, :, None]
        * f[2][:, None, None, :]
    )
    joint /= joint.sum()
    return [joint.sum(axis=(0, 2, 3)), joint.sum(axis=(0, 1, 3)), joint.sum(axis=(0, 1, 2))]


def items(rng, n):
    out = []
    for _ in range(n):
        a = float(np.round(rng.uniform(0.6, 2.2), 3))
        b = float(np.round(rng.uniform(-2.5, 2.5), 3))
        c = float(rng.choice([0.0, 0.25, 1.0 / 3.0]))
        d = float(rng.choice([1.0, 1.0, 0.95]))
        out.append((a, b, c, d, int(rng.uniform() < 0.55)))
    return out


def main():
    rng = np.random.default_rng(20261)
    cases = [
        ("three_mixed", [0.8, 0.5, 0.0], [items(rng, 6), items(rng, 3), items(rng, 4)]),
        ("three_extreme", [0.95, 0.95, 0.9], [items(rng, 12), [], items(rng, 2)]),
        ("three_none", [0.6, 0.6, 0.6], [[], [], []]),
        ("sixteen_default", [np.sqrt(0.5)] * 16, [items(rng, int(rng.integers(0, 7))) for _ in range(16)]),
        ("sixteen_estimated", [float(np.round(rng.uniform(0.3, 0.9), 3)) for _ in range(16)],
         [items(rng, int(rng.integers(2, 6))) for _ in range(16)]),
        ("sixteen_independent", [0.0] * 16, [items(rng, int(rng.integers(0, 6))) for _ in range(16)]),
    ]
    with open(os.path.join(HERE, "structure_cases.csv"), "w", newline="") as fc, open(
        os.path.join(HERE, "structure_expected.csv"), "w", newline=""
    ) as fe:
        wc, we = csv.writer(fc), csv.writer(fe)
        wc.writerow(["case", "competence", "lambda", "a", "b", "c", "d", "score"])
        we.writerow(["case", "competence", "node", "weight", "mean", "sd"])
        for name, lams, answers in cases:
            posts = by_formula(lams, answers)
            if len(lams) == 3:
                brute = brute_force(lams, answers)
                diff = max(np.abs(p - q).max() for p, q in zip(posts, brute))
                assert diff < 1e-13, (name, diff)
                print(f"{name}: formula and joint-grid brute force agree to {diff:.1e}")
            if all(l == 0.0 for l in lams):
                sep = [normalised_density(THETA, 0.0, 1.0) * likelihood(x) for x in answers]
                diff = max(np.abs(p - s / s.sum()).max() for p, s in zip(posts, sep))
                assert diff < 1e-14, (name, diff)
                print(f"{name}: equals the separate (version 1) posteriors to {diff:.1e}")
            for d, (lam, ans) in enumerate(zip(lams, answers)):
                lam_text = repr(float(lam))
                if not ans:
                    wc.writerow([name, d, lam_text, "", "", "", "", ""])
                for a, b, c, dd, s in ans:
                    wc.writerow([name, d, lam_text, repr(a), repr(b), repr(c), repr(dd), s])
                p = posts[d]
                mean = float(p @ THETA)
                sd = float(np.sqrt(p @ (THETA - mean) ** 2))
                for k, w in enumerate(p):
                    we.writerow([name, d, k, repr(float(w)), repr(mean), repr(sd)])
                if d < 3:
                    print(f"  {name} competence {d}: λ {float(lam):.3f}, {len(ans)} answers, mean {mean:+.6f}, sd {sd:.6f}")


if __name__ == "__main__":
    main()
