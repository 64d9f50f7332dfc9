#!/usr/bin/python3
"""The native GEMM peer of moe-bank's kernel benchmark: numpy's matmul on the system BLAS.

Debian's python3-numpy (like its python3-torch) calls whatever libblas.so.3 the system selects:
the reference BLAS by default, OpenBLAS once libopenblas0-pthread is installed. This script says
which one it got and times float32 C = A @ B for the given shapes, single precision, with as many
BLAS threads as OPENBLAS_NUM_THREADS says (the caller sets it to the thread count it compares).
Prints one JSON object on stdout:

  {numpy_version, blas: {libraries, openblas_config, openblas_threads, env_threads},
   round_seconds, repeats, gemm: [{m, k, n, gflops, rounds: [...]}, ...]}

Every figure is the median of `--repeats` rounds of about `--round-seconds` each, after a
warm-up; 2 M K N flops per product.

Usage: /usr/bin/python3 bench/blas_peer.py --shapes 50176x9x16,256x1568x64 [--repeats 3]
                                           [--round-seconds 1.0] [--verbose]
"""
import argparse
import ctypes
import json
import os
import statistics
import sys
import time


def blas_info():
    """The BLAS this process has mapped (call after a matmul: libraries load lazily), resolved to
    real paths, and OpenBLAS's own build line and thread count when it is OpenBLAS."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            path = parts[-1] if len(parts) >= 6 else ""
            name = os.path.basename(path).lower()
            if path.startswith("/") and ("blas" in name or "mkl" in name or "blis" in name):
                libs.add(os.path.realpath(path))
    config, threads = None, None
    for path in sorted(libs):
        try:
            lib = ctypes.CDLL(path)
            get = lib.openblas_get_config
            get.restype = ctypes.c_char_p
            config = get().decode()
            threads = lib.openblas_get_num_threads()
            break
        except (OSError, AttributeError):
            continue
    return {"libraries": sorted(libs), "openblas_config": config, "openblas_threads": threads,
            "env_threads": os.environ.get("OPENBLAS_NUM_THREADS")}


def timed_rounds(step, items_per_call, repeats, round_seconds, warmup_seconds, log, name):
    """Runs step() for warm-up, then `repeats` rounds of >= round_seconds; items/s per round."""
    end = time.perf_counter() + warmup_seconds
    while True:
        step()
        if time.perf_counter() >= end:
            break
    rounds = []
    for r in range(repeats):
        calls = 0
        t0 = time.perf_counter()
        while True:
            step()
            calls += 1
            elapsed = time.perf_counter() - t0
            if elapsed >= round_seconds:
                break
        rounds.append(calls * items_per_call / elapsed)
        log("%s round %d: %.4g per s over %d calls" % (name, r + 1, rounds[-1], calls))
    return statistics.median(rounds), rounds


def main():
    import numpy as np

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shapes", required=True, help="comma-separated MxKxN products to time")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--round-seconds", type=float, default=1.0)
    ap.add_argument("--warmup-seconds", type=float, default=0.5)
    ap.add_argument("--verbose", action="store_true", help="progress on stderr")
    args = ap.parse_args()
    try:
        shapes = [tuple(int(v) for v in s.split("x")) for s in args.shapes.split(",")]
        assert all(len(s) == 3 and min(s) >= 1 for s in shapes)
    except (ValueError, AssertionError):
        ap.error("--shapes: expected MxKxN[,MxKxN...] with positive integers, got %r" % args.shapes)

    def log(msg):
        if args.verbose:
            print(msg, file=sys.stderr, flush=True)

    rng = np.random.default_rng(1)
    gemm = []
    for m, k, n in shapes:
        a = rng.random((m, k), dtype=np.float32)
        b = rng.random((k, n), dtype=np.float32)
        out = np.empty((m, n), dtype=np.float32)
        med, rounds = timed_rounds(lambda: np.matmul(a, b, out=out), 2.0 * m * k * n / 1e9, args.repeats,
                                   args.round_seconds, args.warmup_seconds, log, "gemm %dx%dx%d" % (m, k, n))
        gemm.append({"m": m, "k": k, "n": n, "gflops": med, "rounds": rounds})
    print(json.dumps({"numpy_version": np.__version__, "blas": blas_info(), "round_seconds": args.round_seconds,
                      "repeats": args.repeats, "gemm": gemm}))


if __name__ == "__main__":
    main()
