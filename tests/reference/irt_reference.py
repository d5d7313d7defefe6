#!/usr/bin/env python3
"""Independent reference values for the ability estimators of jauge-irt.

Brute force with NumPy/SciPy, sharing no code with the Rust implementation:
- MLE, MAP: the objective on a fine grid of 160,001 points over the range (global maximum),
  then scipy.optimize.brentq on its analytic derivative inside the best grid cell (or the
  bound when the maximum is at an end).
- WLE (Warm 1989): the estimating function g = S + J/(2I), J = sum P'P''/(PQ), integrated with
  scipy.integrate.cumulative_trapezoid on the same grid to find the global maximum of the
  weighted likelihood, then brentq on g. For 1PL/2PL items the script checks that this is also
  the maximum of ln L + 1/2 ln I found by scipy.optimize.minimize_scalar.
- EAP: the rule of SCORING.md (equally spaced nodes, both ends included, weights = normal prior
  density renormalised to sum to 1) and, for the documentation only, catR's trapezoid rule.
SE: MLE/WLE 1/sqrt(I), MAP 1/sqrt(I + 1/sd^2), EAP the posterior SD.

Run: python3 tests/reference/irt_reference.py   (numpy 2.4, scipy 1.17)
It prints the Rust table used by crates/irt/tests/reference.rs.
"""
import numpy as np
from scipy.optimize import brentq, minimize_scalar
from scipy.integrate import cumulative_trapezoid
from scipy.stats import norm

ITEMS = {
    "RASCH": [(1.0, b, 0.0, 1.0) for b in (-1.5, -0.5, 0.0, 0.7, 1.6)],
    "TWO_PL": [(0.8, -1.2, 0, 1), (1.5, -0.4, 0, 1), (1.1, 0.0, 0, 1),
               (2.0, 0.5, 0, 1), (0.6, 1.0, 0, 1), (1.3, 1.8, 0, 1)],
    "THREE_PL": [(1.2, -2.0, 0.20, 1), (0.9, -1.0, 0.15, 1), (1.6, -0.3, 0.25, 1),
                 (1.0, 0.2, 0.10, 1), (2.2, 0.8, 0.20, 1), (1.4, 1.3, 0.25, 1),
                 (2.5, 2.0, 0.30, 1), (1.8, 2.6, 0.20, 1)],
    "FOUR_PL": [(1.3, -1.5, 0.15, 0.95), (1.0, -0.6, 0.10, 0.90), (1.8, 0.0, 0.20, 0.97),
                (1.1, 0.6, 0.05, 0.92), (2.0, 1.2, 0.25, 0.98), (0.9, 2.0, 0.10, 0.93)],
}

# (item set, pattern, prior mean, prior sd, lo, hi, quadrature)
CASES = [
    ("RASCH", "11010", 0.0, 1.0, -4, 4, 61),
    ("RASCH", "11111", 0.0, 1.0, -4, 4, 61),
    ("RASCH", "00000", 0.0, 1.0, -4, 4, 61),
    ("TWO_PL", "110100", 0.0, 1.0, -4, 4, 61),
    ("TWO_PL", "1.0.10", -0.5, 1.3, -4, 4, 61),
    ("TWO_PL", "111111", 0.0, 1.0, -5, 5, 81),
    ("THREE_PL", "11100100", 0.0, 1.0, -4, 4, 61),
    ("THREE_PL", "00011011", 0.0, 1.0, -4, 4, 61),
    ("THREE_PL", "00000000", 0.0, 1.0, -4, 4, 61),
    ("FOUR_PL", "111010", 0.0, 1.0, -4, 4, 61),
    ("FOUR_PL", "010101", 0.5, 0.8, -3, 3, 41),
    ("FOUR_PL", "1.1.0.", 0.0, 1.0, -4, 4, 61),
]


def parts(items, t):
    """P, Q, P', P'' as arrays (items x len(t)), from the closed forms in e = exp(-z)."""
    a, b, c, d = (np.array(x, dtype=float)[:, None] for x in zip(*items))
    t = np.atleast_1d(np.asarray(t, dtype=float))[None, :]
    z = a * (t - b)
    e = np.exp(-z)
    p = c + (d - c) / (1 + e)
    q = (1 - d) + (d - c) * e / (1 + e)
    d1 = (d - c) * a * e / (1 + e) ** 2
    d2 = (d - c) * a ** 2 * e * (e - 1) / (1 + e) ** 3
    return p, q, d1, d2


def sums(items, u, t):
    p, q, d1, d2 = parts(items, t)
    u = np.array(u, dtype=float)[:, None]
    ll = (u * np.log(p) + (1 - u) * np.log(q)).sum(0)
    score = ((u - p) * d1 / (p * q)).sum(0)
    info = (d1 ** 2 / (p * q)).sum(0)
    j = (d1 * d2 / (p * q)).sum(0)
    return ll, score, info, j


def global_max(f_vals, grid, slope, lo, hi):
    k = int(np.argmax(f_vals))
    if k == 0 and slope(lo) <= 0:
        return lo, True
    if k == len(grid) - 1 and slope(hi) >= 0:
        return hi, True
    a, b = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    if slope(a) * slope(b) > 0:  # maximum at a grid end inside the cell
        return grid[k], grid[k] in (lo, hi)
    x = brentq(slope, a, b, xtol=1e-14, rtol=1e-15, maxiter=500)
    return x, False


def estimate(items, u, mean, sd, lo, hi, nq):
    grid = np.linspace(lo, hi, 160001)
    ll, score, info, j = sums(items, u, grid)
    out = {}
    r = sum(u)
    # MLE
    if r == 0:
        mle = (lo, True)
    elif r == len(u):
        mle = (hi, True)
    else:
        mle = global_max(ll, grid, lambda x: sums(items, u, x)[1][0], lo, hi)
    i_m = sums(items, u, mle[0])[2][0]
    out["mle"] = (mle[0], 1 / np.sqrt(i_m), mle[1])
    # WLE
    g = score + j / (2 * info)
    f = cumulative_trapezoid(g, grid, initial=0.0)

    def gw(x):
        _, s, i, jj = sums(items, u, x)
        return s[0] + jj[0] / (2 * i[0])
    wle = global_max(f, grid, gw, lo, hi)
    if all(c == 0 and d == 1 for (_, _, c, d) in items):
        def neg(x):
            l, _, i, _ = sums(items, u, x)
            return -(l[0] + 0.5 * np.log(i[0]))
        m = minimize_scalar(neg, bounds=(lo, hi), method="bounded", options={"xatol": 1e-10})
        assert abs(m.x - wle[0]) < 1e-6 or wle[1], (m.x, wle)
    i_w = sums(items, u, wle[0])[2][0]
    out["wle"] = (wle[0], 1 / np.sqrt(i_w), wle[1])
    # MAP
    fm = ll + norm.logpdf(grid, mean, sd)
    mp = global_max(fm, grid, lambda x: sums(items, u, x)[1][0] - (x - mean) / sd ** 2, lo, hi)
    i_p = sums(items, u, mp[0])[2][0]
    out["map"] = (mp[0], 1 / np.sqrt(i_p + 1 / sd ** 2), mp[1])
    # EAP, SCORING.md rule
    nodes = np.linspace(lo, hi, nq)
    w = norm.pdf(nodes, mean, sd)
    w = w / w.sum()
    lik = np.exp(sums(items, u, nodes)[0])
    post = w * lik / (w * lik).sum()
    m = (post * nodes).sum()
    s = np.sqrt((post * (nodes - m) ** 2).sum())
    out["eap"] = (m, s, False)
    # catR: trapezoid (half weights at the two end points)
    wt = norm.pdf(nodes, mean, sd)
    wt[0] *= 0.5
    wt[-1] *= 0.5
    pt = wt * lik / (wt * lik).sum()
    mt = (pt * nodes).sum()
    out["eap_trapezoid"] = (mt, np.sqrt((pt * (nodes - mt) ** 2).sum()), False)
    return out


def main():
    print("// Generated by tests/reference/irt_reference.py; do not edit by hand.")
    print("// (set, pattern, prior mean, prior sd, lo, hi, quadrature,")
    print("//  [mle θ, se, bounded], [wle …], [map …], [eap …])")
    print("const CASES: &[Case] = &[")
    diffs = []
    for (name, pat, mean, sd, lo, hi, nq) in CASES:
        items = [it for it, ch in zip(ITEMS[name], pat) if ch != "."]
        u = [1 if ch == "1" else 0 for ch in pat if ch != "."]
        out = estimate(items, u, mean, sd, lo, hi, nq)
        diffs.append(abs(out["eap"][0] - out["eap_trapezoid"][0]))

        def fmt(e):
            return f"({e[0]:.12e}, {e[1]:.12e}, {'true' if e[2] else 'false'})"
        print(f"    Case {{ set: {name}, pattern: \"{pat}\", prior: ({float(mean)!r}, {float(sd)!r}), "
              f"range: ({float(lo)!r}, {float(hi)!r}), quadrature: {nq},")
        print(f"        mle: {fmt(out['mle'])}, wle: {fmt(out['wle'])},")
        print(f"        map: {fmt(out['map'])}, eap: {fmt(out['eap'])} }},")
        print(f"    // catR trapezoid EAP: {out['eap_trapezoid'][0]:.9f} (SD {out['eap_trapezoid'][1]:.9f})")
    print("];")
    print(f"// largest |EAP(SCORING.md) - EAP(trapezoid)| over the cases: {max(diffs):.3e}")


if __name__ == "__main__":
    main()
