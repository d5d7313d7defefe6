"""Independent check of the panel's figures (crates/bank/src/panel, `jauge bank panel report`).

Plain Python and NumPy, no project code, from the definitions in docs/item-bank.md and
docs/item-writing.md (section 10) and Krippendorff (2011) for alpha, computed term by term over
ordered pairs. Reads tests/data/panel/levels.csv (item, version, rater, round, level, declared).
Run: python3 tests/reference/panel_reference.py > tests/reference/panel_reference.out
"""
import csv
import itertools
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
rows = list(csv.DictReader(open(os.path.join(HERE, "..", "data", "panel", "levels.csv"))))
for r in rows:
    r["round"] = int(r["round"]); r["level"] = int(r["level"]); r["declared"] = int(r["declared"])


def alpha_interval(units):
    units = [u for u in units if len(u) >= 2]
    n = sum(len(u) for u in units)
    if n < 2:
        return None
    d_o = sum(sum((a - b) ** 2 for a, b in itertools.permutations(u, 2)) / (len(u) - 1) for u in units) / n
    values = [v for u in units for v in u]
    d_e = sum((a - b) ** 2 for a, b in itertools.permutations(values, 2)) / (n * (n - 1))
    return None if d_e == 0 else 1 - d_o / d_e


def figures(units):
    """units: list of (declared, [levels])"""
    units = [u for u in units if u[1]]
    n = len(units)
    diffs = np.array([abs(np.median(l) - d) for d, l in units])
    pairs = [(a, b) for _, l in units for a, b in itertools.combinations(l, 2)]
    return {
        "items": n,
        "ratings": sum(len(l) for _, l in units),
        "exact": np.mean(diffs == 0),
        "within_one": np.mean(diffs <= 1),
        "mean_abs_diff": diffs.mean(),
        "off_level": np.mean(diffs >= 2),
        "spread": np.mean([max(l) - min(l) >= 2 for _, l in units]),
        "alpha": alpha_interval([l for _, l in units]),
        "pairwise_exact": np.mean([a == b for a, b in pairs]) if pairs else None,
    }


def show(name, f):
    print(name, " ".join(f"{k}={v if v is None or isinstance(v, int) else f'{v:.12f}'}" for k, v in f.items()))


for rnd in sorted({r["round"] for r in rows}):
    groups = {}
    for r in rows:
        if r["round"] == rnd:
            groups.setdefault((r["item"], r["version"]), []).append(r)
    show(f"round{rnd}", figures([(g[0]["declared"], [r["level"] for r in g]) for g in groups.values()]))

# Current: each item's latest version; per rater, the latest round; declared = the item's
# current declared level (that of its latest version's rows).
current = {}
for item in sorted({r["item"] for r in rows}):
    mine = [r for r in rows if r["item"] == item]
    v = max(r["version"] for r in mine)
    latest = {}
    for r in sorted((r for r in mine if r["version"] == v), key=lambda r: r["round"]):
        latest[r["rater"]] = r
    ratings = [latest[k]["level"] for k in sorted(latest)]
    declared = max((r for r in mine if r["version"] == v), key=lambda r: r["round"])["declared"]
    current[item] = (declared, ratings)
show("current", figures(list(current.values())))
for item, (declared, ratings) in current.items():
    med = float(np.median(ratings))
    flags = []
    if abs(med - declared) >= 2:
        flags.append("off-level")
    if max(ratings) - min(ratings) >= 2:
        flags.append("spread")
    if 4 <= declared <= 7 and len(ratings) < 3:
        flags.append("few-ratings")
    print(item, declared, ratings, f"median={med}", "flags=" + ",".join(flags))
