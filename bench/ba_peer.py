#!/usr/bin/python3
"""The numpy peer of `moe-bank bench --suite route`: plain Blahut-Arimoto, the naive reference.

Eqs. 28-29 of the paper on the first N rows (items) of a 0-1 loss matrix l [R, N] (.npy, uint8 or
bool, expert-major), vectorised over all N rows (not over the distinct loss patterns, which is
what moe-bank does), one lambda at a time in increasing order over a log-spaced grid, each lambda
warm-started from the previous lambda's pi:

    E[i,t] = exp(-(l[i,t] - m_i) / lambda),  m_i = min_t l[i,t]   (row-min subtraction: exact,
                                                                   and finite at lambda = 1e-3)
    Z_i    = sum_t pi_t E[i,t]
    p(t|x_i) = pi_t E[i,t] / Z_i                                   (eq. 28, the gate of pi)
    c_t    = (1/N) sum_i E[i,t] / Z_i
    pi_t  <- pi_t c_t = (1/N) sum_i p(t|x_i)                        (eq. 29)

stopped when the certificate max_t c_t - 1 <= tol (c_t <= 1 for every t holds only at the
optimum), or after --max-iter updates at one lambda. The start is uniform; a warm start is the
previous pi mixed with the uniform, (1 - 1e-6) pi + 1e-6 / R, as moe-bank does (a zero pi_t is
absorbing for plain BA).

Prints one JSON object: {numpy_version, n, R, points, tol, max_iter, seconds, iterations_total,
per_point: [{lambda, iterations, certificate, converged, rate, distortion}]}; rates in nats, rate
and distortion those of the gate of eq. 28 at the final pi (rate with the gate's own marginal,
eq. 23). `seconds` times the sweep only (not reading the file).

Usage: /usr/bin/python3 bench/ba_peer.py LOSSES.npy [--n 2000] [--points 25] [--lambda-min 1e-3]
           [--lambda-max 10] [--lambdas a,b,...] [--tol 1e-10] [--max-iter 10000]
"""
import argparse
import json
import sys
import time

import numpy as np

WARM_MIX = 1e-6


def gate_numbers(L, E, pi):
    """Rate (eq. 24, nats) and distortion of the gate of eq. 28 at pi."""
    N = E.shape[0]
    P = E * pi[None, :]
    P /= P.sum(axis=1, keepdims=True)
    q = P.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(P > 0, P * np.log(P / q[None, :]), 0.0)
    rate = float(terms.sum() / N)
    distortion = float((P * L).sum() / N)
    return max(rate, 0.0), distortion


def plain_ba(L, lam, pi, tol, max_iter):
    """Plain BA at one lambda from pi; returns (pi, iterations, certificate)."""
    N = L.shape[0]
    m = L.min(axis=1, keepdims=True)
    E = np.exp(-(L - m) / lam)  # exp(-1000) = 0 at lambda = 1e-3: the row's best experts keep 1
    it = 0
    while True:
        Z = E @ pi
        c = (E.T @ (1.0 / Z)) / N
        cert = float(c.max() - 1.0)
        if cert <= tol or it >= max_iter:
            return pi, it, cert, E
        pi = pi * c
        pi /= pi.sum()
        it += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("losses", help="0-1 loss matrix .npy [R, N]")
    ap.add_argument("--n", type=int, default=2000, help="the first n items (default 2000)")
    ap.add_argument("--points", type=int, default=25)
    ap.add_argument("--lambda-min", type=float, default=1e-3)
    ap.add_argument("--lambda-max", type=float, default=10.0)
    ap.add_argument("--lambdas", help="comma-separated lambdas (overrides the grid)")
    ap.add_argument("--tol", type=float, default=1e-10)
    ap.add_argument("--max-iter", type=int, default=10_000, help="at most this many updates per lambda")
    a = ap.parse_args()

    l = np.load(a.losses)
    if l.ndim != 2:
        sys.exit(f"{a.losses}: shape {l.shape}, expected [R, N]")
    R, Nall = l.shape
    if not 1 <= a.n <= Nall:
        sys.exit(f"--n {a.n}: expected 1..{Nall}")
    if l.max() > 1:
        sys.exit(f"{a.losses}: not a 0-1 loss matrix")
    L = np.ascontiguousarray(l[:, : a.n].T, dtype=np.float64)  # [N, R]
    if a.lambdas:
        lambdas = sorted(float(x) for x in a.lambdas.split(",") if x.strip())
    else:
        lambdas = list(np.exp(np.linspace(np.log(a.lambda_min), np.log(a.lambda_max), a.points)))
        lambdas[0], lambdas[-1] = a.lambda_min, a.lambda_max

    per_point = []
    total = 0
    pi = np.full(R, 1.0 / R)
    t0 = time.perf_counter()
    for lam in lambdas:
        pi, it, cert, E = plain_ba(L, lam, pi, a.tol, a.max_iter)
        rate, distortion = gate_numbers(L, E, pi)
        total += it
        per_point.append({"lambda": lam, "iterations": it, "certificate": cert, "converged": cert <= a.tol, "rate": rate, "distortion": distortion})
        pi = (1 - WARM_MIX) * pi + WARM_MIX / R
    seconds = time.perf_counter() - t0

    print(json.dumps({
        "numpy_version": np.__version__, "n": a.n, "R": R, "points": len(lambdas), "tol": a.tol, "max_iter": a.max_iter,
        "seconds": seconds, "iterations_total": total, "per_point": per_point,
    }))


if __name__ == "__main__":
    main()
