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
Run: python3 simulate_reference.py  (numpy only; seeded)
"""
import os
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.path.join(HERE, "..", "data", "peers")


def info(a, b, c, d, t):
    p = c + (d - c) / (1 + np.exp(-a * (t - b)))
    return a**2 * (p - c) ** 2 * (d - p) ** 2 / ((d - c) ** 2 * p * (1 - p))


def run(bank, resp, length, min_length=0, se_target=None):
    a, b, c, d = bank.T
    q = np.linspace(-4, 4, 61)
    logprior = -0.5 * q**2
    P = c[:, None] + (d - c)[:, None] / (1 + np.exp(-a[:, None] * (q[None, :] - b[:, None])))
    out = []
    for e in range(resp.shape[0]):
        est, se = 0.0, None
        ll = logprior.copy()
        used = np.zeros(len(a), bool)
        items = []
        for step in range(length):
            if se_target is not None and step >= min_length and se is not None and se <= se_target:
                break
            inf = info(a, b, c, d, est)
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
                     ("ref_se04.csv", dict(length=15, min_length=5, se_target=0.4))]:
        res = run(bank, resp, **kw)
        with open(os.path.join(HERE, name), "w") as f:
            f.write("id,theta,se,length,items\n")
            for e, est, se, k, items in res:
                f.write(f"p{e},{est:.12f},{se:.12f},{k},{' '.join(map(str, items))}\n")
        err = np.array([r[1] for r in res]) - theta
        print(name, "mean length", np.mean([r[3] for r in res]), "rmse", round(float(np.sqrt(np.mean(err**2))), 4))


if __name__ == "__main__":
    main()
