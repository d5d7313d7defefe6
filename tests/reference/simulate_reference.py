"""Independent reference for `jauge simulate` with pre-drawn answers (deterministic run).

Re-implements the scenario's spec directly in NumPy (no Jauge code): maximum Fisher information
at the current EAP estimate, EAP on 61 equally spaced points of [-4, 4] with an N(0, 1) prior
(weights = prior density at the nodes), start theta 0, SE = posterior SD. Answers are pre-drawn
for every examinee and item, so the item sequence is fully determined by the spec.

Writes, next to this script:
  ref_items.csv      the first 200 items of the peers' bank_1000.csv (id,a,b,c,d)
  ref_responses.csv  wide 0/1 answers of 60 examinees to those items (id,<item ids>)
  ref_thetas.csv     the examinees' true abilities (id,theta)
  ref_fixed20.csv    expected run A: fixed length 20           -> id,theta,se,length,items
  ref_se04.csv       expected run B: --length 15 --min-length 5 --se-target 0.4
  ref_kl10.csv       expected run C: --select kl --length 10 (posterior-weighted KL,
                     Chang & Ying 1996, weights = the current EAP posterior)
  ref_map10.csv, ref_mle10.csv, ref_wle10.csv   --estimator map|mle|wle --length 10 (MLE: EAP
                     until the pattern holds a right and a wrong answer; WLE: Warm 1989,
                     root of score + J/(2I); SE 1/sqrt(I) or, for MAP, 1/sqrt(I + 1))
Run: python3 simulate_reference.py  (numpy only; seeded)
"""
import os
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.path.join(HERE, "..", "data", "peers")


def info(a, b, c, d, t):
    p = c + (d - c) / (1 + np.exp(-a * (t - b)))
    return a**2 * (p - c) ** 2 * (d - p) ** 2 / ((d - c) ** 2 * p * (1 - p))


def klp(a, b, c, d, est, w, q):
    """Posterior-weighted KL of every item: sum_k w_k KL(Bern(P(est)) || Bern(P(q_k)))."""
    p0 = c + (d - c) / (1 + np.exp(-a * (est - b)))
    pk = c[:, None] + (d - c)[:, None] / (1 + np.exp(-a[:, None] * (q[None, :] - b[:, None])))
    kl = p0[:, None] * np.log(p0[:, None] / pk) + (1 - p0[:, None]) * np.log((1 - p0[:, None]) / (1 - pk))
    return (kl * w[None, :]).sum(1)


def point_estimate(kind, a, b, c, d, items, answers):
    """MAP (N(0,1) prior), MLE or WLE on [-4, 4] by a fine grid search then bisection of the
    estimating equation, written out independently: returns (theta, se)."""
    a, b, c, d = a[items], b[items], c[items], d[items]
    u = np.asarray(answers, float)

    def terms(t):
        e = np.exp(-a * (t - b))
        L = 1 / (1 + e)
        P = c + (d - c) * L
        d1 = (d - c) * a * L * (1 - L)
        d2 = d1 * a * (1 - 2 * L)
        pq = P * (1 - P)
        return ((u - P) * d1 / pq).sum(), (d1**2 / pq).sum(), (d1 * d2 / pq).sum()

    def g(t):
        s, i, j = terms(t)
        if kind == "map":
            return s - t
        if kind == "wle":
            return s + j / (2 * i)
        return s

    def objective(t):
        e = np.exp(-a * (t - b))
        P = c + (d - c) / (1 + e)
        ll = (u * np.log(P) + (1 - u) * np.log(1 - P)).sum()
        return ll - 0.5 * t * t if kind == "map" else ll

    nodes = np.linspace(-4, 4, 61)
    vals = [g(t) for t in nodes]
    cands = []
    if vals[0] <= 0:
        cands.append(-4.0)
    if vals[-1] >= 0:
        cands.append(4.0)
    for k in range(60):
        if vals[k] > 0 and vals[k + 1] <= 0:
            lo, hi = nodes[k], nodes[k + 1]
            for _ in range(200):
                mid = 0.5 * (lo + hi)
                if g(mid) > 0:
                    lo = mid
                else:
                    hi = mid
            cands.append(0.5 * (lo + hi))
    t = max(cands, key=objective)
    info = terms(t)[1]
    se = 1 / np.sqrt(info + 1) if kind == "map" else 1 / np.sqrt(info)
    return float(t), float(se)


def run(bank, resp, length, min_length=0, se_target=None, rule="mfi", estimator="eap"):
    a, b, c, d = bank.T
    q = np.linspace(-4, 4, 61)
    logprior = -0.5 * q**2
    P = c[:, None] + (d - c)[:, None] / (1 + np.exp(-a[:, None] * (q[None, :] - b[:, None])))
    out = []
    for e in range(resp.shape[0]):
        est, se = 0.0, None
        ll = logprior.copy()
        w = np.exp(ll - ll.max())
        w /= w.sum()
        used = np.zeros(len(a), bool)
        items = []
        for step in range(length):
            if se_target is not None and step >= min_length and se is not None and se <= se_target:
                break
            inf = info(a, b, c, d, est) if rule == "mfi" else klp(a, b, c, d, est, w, q)
            inf[used] = -np.inf
            j = int(np.argmax(inf))
            srt = np.sort(inf)
            assert srt[-1] > srt[-2], "a tie: the reference would need the engine's tie-break"
            used[j] = True
            items.append(j)
            u = resp[e, j]
            ll += np.log(P[j]) if u else np.log1p(-P[j])
            w = np.exp(ll - ll.max())
            w /= w.sum()
            est = float((w * q).sum())
            se = float(np.sqrt((w * (q - est) ** 2).sum()))
            answers = [bool(resp[e, i]) for i in items]
            mixed = any(answers) and not all(answers)
            if estimator in ("map", "wle") or (estimator == "mle" and mixed):
                est, se = point_estimate(estimator, a, b, c, d, items, answers)
        out.append((e, est, se, len(items), items))
    return out


def main():
    full = np.loadtxt(os.path.join(PEERS, "bank_1000.csv"), delimiter=",", skiprows=1)
    bank = full[:200, 1:5]
    rng = np.random.default_rng(20261129)
    n = 60
    theta = rng.normal(0, 1, n)
    a, b, c, d = bank.T
    p = c + (d - c) / (1 + np.exp(-a * (theta[:, None] - b)))
    resp = (rng.random(p.shape) < p).astype(int)
    with open(os.path.join(HERE, "ref_items.csv"), "w") as f:
        f.write("id,a,b,c,d\n")
        for i, (ai, bi, ci, di) in enumerate(bank):
            f.write(f"{i},{ai:.6f},{bi:.6f},{ci:.6f},{di:.1f}\n")
    with open(os.path.join(HERE, "ref_responses.csv"), "w") as f:
        f.write("id," + ",".join(str(i) for i in range(len(bank))) + "\n")
        for e in range(n):
            f.write(f"p{e}," + ",".join(map(str, resp[e])) + "\n")
    with open(os.path.join(HERE, "ref_thetas.csv"), "w") as f:
        f.write("id,theta\n")
        for e in range(n):
            f.write(f"p{e},{theta[e]:.6f}\n")
    for name, kw in [("ref_fixed20.csv", dict(length=20)),
                     ("ref_se04.csv", dict(length=15, min_length=5, se_target=0.4)),
                     ("ref_kl10.csv", dict(length=10, rule="kl")),
                     ("ref_map10.csv", dict(length=10, estimator="map")),
                     ("ref_mle10.csv", dict(length=10, estimator="mle")),
                     ("ref_wle10.csv", dict(length=10, estimator="wle"))]:
        res = run(bank, resp, **kw)
        with open(os.path.join(HERE, name), "w") as f:
            f.write("id,theta,se,length,items\n")
            for e, est, se, k, items in res:
                f.write(f"p{e},{est:.12f},{se:.12f},{k},{' '.join(map(str, items))}\n")
        err = np.array([r[1] for r in res]) - theta
        print(name, "mean length", np.mean([r[3] for r in res]), "rmse", round(float(np.sqrt(np.mean(err**2))), 4))


if __name__ == "__main__":
    main()
