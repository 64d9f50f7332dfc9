#!/usr/bin/python3
"""The PyTorch peer of the bank benchmark: the paper's protocol, timed per stage.

Trains R experts (each on its own random subset of n distinct training images, 1 epoch of
Adam lr 1e-3, batch 64, PyTorch's default init), then evaluates every expert on all 60,000
training and 10,000 test images (batches of 250, no_grad) to build the 0-1 loss matrices, with
`--threads` intra-op threads (default 2: one per core of the bench machine). Run by
`moe-bank bench --suite bank` when /usr/bin/python3 has torch; never needed by CI. Prints one
JSON object on stdout:

  {torch_version, threads, blas (blas_peer.blas_info), experts, subset_size,
   train: {seconds, images, images_per_s}, eval: {seconds, images, images_per_s}, total_seconds}

Its random draws are torch's (not moe-bank's Philox streams), so its bank has other bits: it
measures the same work, not the same numbers.

Usage: /usr/bin/python3 bench/torch_bank_peer.py [--threads 2] [--experts 25] [--subset-size 10000]
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_peer import Net, read_idx, DEFAULT_DATA  # noqa: E402  (the same network and reader)
from blas_peer import blas_info  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--experts", type=int, default=25)
    ap.add_argument("--subset-size", type=int, default=10000)
    ap.add_argument("--data-dir", default=DEFAULT_DATA)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    tr_x = read_idx(os.path.join(a.data_dir, "train-images-idx3-ubyte"), 2051, 3)
    tr_y = read_idx(os.path.join(a.data_dir, "train-labels-idx1-ubyte"), 2049, 1)
    te_x = read_idx(os.path.join(a.data_dir, "t10k-images-idx3-ubyte"), 2051, 3)
    te_y = read_idx(os.path.join(a.data_dir, "t10k-labels-idx1-ubyte"), 2049, 1)
    X = torch.from_numpy(tr_x.astype(np.float32) / np.float32(255)).reshape(-1, 1, 28, 28)
    Y = torch.from_numpy(tr_y.astype(np.int64))
    XT = torch.from_numpy(te_x.astype(np.float32) / np.float32(255)).reshape(-1, 1, 28, 28)
    YT = torch.from_numpy(te_y.astype(np.int64))

    t0 = time.perf_counter()
    nets = []
    for r in range(a.experts):
        net = Net()
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
        subset = torch.randperm(X.shape[0])[: a.subset_size]
        order = subset[torch.randperm(a.subset_size)]
        for s in range(0, a.subset_size, 64):
            idx = order[s : s + 64]
            opt.zero_grad()
            F.cross_entropy(net(X[idx]), Y[idx]).backward()
            opt.step()
        nets.append(net)
    t1 = time.perf_counter()
    with torch.no_grad():
        for xs, ys in ((X, Y), (XT, YT)):
            L = np.empty((a.experts, xs.shape[0]), dtype=np.uint8)
            for s in range(0, xs.shape[0], 250):
                xb, yb = xs[s : s + 250], ys[s : s + 250]
                for r, net in enumerate(nets):
                    L[r, s : s + 250] = (net(xb).argmax(1) != yb).numpy()
    t2 = time.perf_counter()
    train_images = a.experts * a.subset_size
    eval_images = a.experts * (X.shape[0] + XT.shape[0])
    print(json.dumps({
        "torch_version": torch.__version__, "threads": a.threads, "blas": blas_info(), "experts": a.experts, "subset_size": a.subset_size,
        "train": {"seconds": t1 - t0, "images": train_images, "images_per_s": train_images / (t1 - t0)},
        "eval": {"seconds": t2 - t1, "images": eval_images, "images_per_s": eval_images / (t2 - t1)},
        "total_seconds": t2 - t0,
    }))


if __name__ == "__main__":
    main()
