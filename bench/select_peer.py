#!/usr/bin/python3
"""The numpy peer of `moe-bank select`: the same work as src/estimators/sweep.ts, timed.

Both readings (S = m distinct pool items with the gap against the test split; S = m items i.i.d.
from the pool with the gap against the pool risk), M runs, every alpha, B bootstrap resamples of
the runs: I(S;W) (eq. 15-18), B_MI under both constants, R_train, R_ref, G, G_abs (eq. 30-33),
each with its percentile interval, and the bias corrections. numpy's own RNG draws the samples,
so the numbers agree with moe-bank's only statistically; the work is the same.

Prints one JSON object: {numpy_version, M, m, B, alphas, rounds_ms: [...], median_ms, summary}.
Usage: python3 bench/select_peer.py TRAIN.npy TEST.npy [--runs M] [--sample-size m]
                                    [--bootstrap B] [--repeats K] [--seed S]
"""
import argparse
import json
import statistics
import time

import numpy as np

ALPHAS = [0.0, 0.25, 0.5, 0.7, 0.9, 1.0]


def xlogx_rows(p):
    out = np.zeros_like(p)
    nz = p > 0
    out[nz] = p[nz] * np.log(p[nz])
    return -out.sum(axis=-1)


def sweep(L_train, L_test, M, m, B, seed, alphas):
    rng = np.random.default_rng(seed)
    R, N = L_train.shape
    LT = np.ascontiguousarray(L_train.T)
    pool_err = L_train.sum(1) / N
    test_err = L_test.sum(1) / L_test.shape[1]
    runs = {}
    for scheme in ("distinct", "iid"):
        if scheme == "distinct":
            idx = np.stack([rng.choice(N, m, replace=False) for _ in range(M)])
        else:
            idx = rng.integers(0, N, (M, m))
        counts = LT[idx].sum(1, dtype=np.int32)
        rstar = counts.argmin(1)
        nmin = (counts == counts.min(1, keepdims=True)).sum(1)
        runs[scheme] = (counts, rstar, nmin)
    u = rng.random(M)
    v = rng.integers(0, R, M)
    boot = rng.integers(0, M, (B, M))
    lvl = [2.5, 97.5]
    out = {}
    for reading, scheme, ref in (("paper", "distinct", test_err), ("pool", "iid", pool_err)):
        counts, rstar, nmin = runs[scheme]
        C = np.bincount(rstar, minlength=R)
        bootC = np.bincount((np.arange(B)[:, None] * R + rstar[boot]).ravel(), minlength=B * R).reshape(B, R)
        K = int((C > 0).sum())
        rows = []
        for a in alphas:
            b = (1 - a) / R
            hq = xlogx_rows(np.array([b + a] + [b] * (R - 1)))
            I = xlogx_rows(b + a * C / M) - hq
            Ib = xlogx_rows(b + a * bootC / M) - hq
            W = np.where(u < a, rstar, v)
            tr = counts[np.arange(M), W] / m
            rf = ref[W]
            d = rf - tr
            f = C / M
            nz = f > 0
            delta = a * a / (2 * M) * (f[nz] * (1 - f[nz]) / (b + a * f[nz])).sum()
            bmi1 = np.sqrt(2 * np.maximum(Ib, 0) / m)
            bmih = np.sqrt(np.maximum(Ib, 0) / (2 * m))
            rows.append({
                "alpha": a, "I": float(I), "I_ci": np.percentile(Ib, lvl).tolist(),
                "bMI1_ci": np.percentile(bmi1, lvl).tolist(), "bMIh_ci": np.percentile(bmih, lvl).tolist(),
                "rTrain_ci": np.percentile(tr[boot].mean(1), lvl).tolist(),
                "rRef_ci": np.percentile(rf[boot].mean(1), lvl).tolist(),
                "G": float(d.mean()), "G_ci": np.percentile(d[boot].mean(1), lvl).tolist(),
                "Gabs": float(np.abs(d).mean()), "Gabs_ci": np.percentile(np.abs(d)[boot].mean(1), lvl).tolist(),
                "paper": (R - 1) / (2 * M), "mm": (K - 1) / (2 * M), "delta": float(delta),
            })
        out[reading] = {"ties": int((nmin > 1).sum()), "rows": rows}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("train")
    ap.add_argument("test")
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--sample-size", type=int, default=256)
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    L_train = np.load(a.train).astype(np.uint8)
    L_test = np.load(a.test).astype(np.uint8)
    sweep(L_train, L_test, a.runs, a.sample_size, a.bootstrap, a.seed, ALPHAS)  # warm-up
    rounds = []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        res = sweep(L_train, L_test, a.runs, a.sample_size, a.bootstrap, a.seed, ALPHAS)
        rounds.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({
        "numpy_version": np.__version__, "M": a.runs, "m": a.sample_size, "B": a.bootstrap, "alphas": ALPHAS,
        "rounds_ms": rounds, "median_ms": statistics.median(rounds),
        "summary": {k: {"ties": v["ties"], "I": [r["I"] for r in v["rows"]], "G": [r["G"] for r in v["rows"]]} for k, v in res.items()},
    }))


if __name__ == "__main__":
    main()
