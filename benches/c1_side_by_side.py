#!/usr/bin/env python3
"""Scenario C1 side by side: `jauge calibrate` (whole process) against Python mirt's EM (timed
inside Python, imports and reading excluded), interleaved in one run so that both see the same
machine load.

Usage: python3 benches/c1_side_by_side.py [--rounds 3] [--jauge-runs 5] [--jauge target/release/jauge]
       [--peers DIR]   (default: the shared/ folder beside the repository, or /work/shared/peers)
Needs `pip install mirt==1.2.0` (see the peers' README). Prints one JSON line per measurement and a
summary with the medians and their ratio.
"""
import argparse, json, os, statistics, subprocess, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("--rounds", type=int, default=3)
ap.add_argument("--jauge-runs", type=int, default=5)
ap.add_argument("--jauge", default="target/release/jauge")
HERE = os.path.dirname(os.path.abspath(__file__))
ap.add_argument("--peers", default=next((p for p in (os.path.join(HERE, "..", "..", "shared", "peers"), "/work/shared/peers")
                                         if os.path.isdir(p)), "../shared/peers"))
args = ap.parse_args()
peers = os.path.abspath(args.peers)
data = os.path.join(peers, "calib_2pl_responses.csv")
env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")


def jauge_once():
    t0 = time.perf_counter()
    out = subprocess.run([args.jauge, "calibrate", "--responses", data, "--model", "2pl", "--json"],
                         check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    d = json.loads(out.stdout)
    return wall, d


def mirt_once():
    out = subprocess.run([sys.executable, os.path.join(peers, "run_calib.py"), "--peer", "mirt_em", "--reps", "1"],
                         check=True, capture_output=True, text=True, env=env)
    rep = json.loads(out.stdout.splitlines()[0])
    return rep["wall_s"], rep


jauge_walls, mirt_walls = [], []
for r in range(args.rounds):
    for _ in range(args.jauge_runs // 2):
        w, d = jauge_once()
        jauge_walls.append(w)
        print(json.dumps({"round": r, "jauge_wall_s": round(w, 4), "loglik": d["loglik"], "iterations": d["iterations"]}), flush=True)
    w, rep = mirt_once()
    mirt_walls.append(w)
    print(json.dumps({"round": r, "mirt_wall_s": w, "rmse_a": rep["rmse_a"], "rmse_b": rep["rmse_b"]}), flush=True)
    for _ in range(args.jauge_runs - args.jauge_runs // 2):
        w, d = jauge_once()
        jauge_walls.append(w)
        print(json.dumps({"round": r, "jauge_wall_s": round(w, 4), "loglik": d["loglik"], "iterations": d["iterations"]}), flush=True)
mj, mm = statistics.median(jauge_walls), statistics.median(mirt_walls)
print(json.dumps({"SUMMARY": True, "jauge_median_s": round(mj, 4), "jauge_min_s": round(min(jauge_walls), 4),
                  "mirt_median_s": round(mm, 3), "ratio_of_medians": round(mm / mj, 1),
                  "load_average": os.getloadavg()}), flush=True)
