#!/usr/bin/env python3
"""An independent reader (and writer) of moe-bank's file formats, for test/formats.test.ts.

Python standard library + numpy only. .npy goes through numpy itself (numpy.load / numpy.save);
safetensors is parsed by hand with struct + json (the safetensors package is not assumed), with
the spec's checks: header length within the file, a JSON object, offsets that tile the data
section exactly, and shape x dtype size equal to each byte span.

  read_formats.py read FILE...     one JSON object per file, as a JSON list on stdout
  read_formats.py write-npy DIR    writes a few arrays with numpy.save into DIR, describes them
  read_formats.py expert-digests FILE
                                   a bank's experts.safetensors: per expert r, the sha256 of its
                                   tensors expert.{r}.<name> concatenated in PyTorch's parameter
                                   order (conv1.weight, conv1.bias, ..., fc2.bias), as the
                                   manifest records it

Each array is described as {name, dtype, shape, sha256, sum, first}: sha256 of its data as
little-endian C-order bytes, the float64 sum of its elements, its first (up to) 5 elements.
"""
import hashlib
import json
import struct
import sys

import numpy as np

ST_DTYPES = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "U8": "|u1"}


def describe(name, arr):
    le = arr.astype(arr.dtype.newbyteorder("<"), copy=False) if arr.dtype.byteorder == ">" else arr
    raw = np.ascontiguousarray(le).tobytes(order="C")
    flat = arr.ravel(order="C")
    return {
        "name": name,
        "dtype": arr.dtype.str,
        "shape": list(arr.shape),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "sum": float(flat.astype(np.float64).sum()),
        "first": [v.item() for v in flat[:5]],
    }


def read_safetensors(path):
    with open(path, "rb") as f:
        buf = f.read()
    if len(buf) < 8:
        raise ValueError("shorter than 8 bytes")
    (n,) = struct.unpack("<Q", buf[:8])
    if 8 + n > len(buf):
        raise ValueError("header length runs past the end")
    header_bytes = buf[8 : 8 + n]

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError("duplicate key")
        return dict(pairs)

    header = json.loads(header_bytes.decode("utf-8"), object_pairs_hook=no_duplicates)
    if not isinstance(header, dict):
        raise ValueError("header is not an object")
    data = buf[8 + n :]
    metadata = header.pop("__metadata__", {})
    spans = sorted((info["data_offsets"][0], info["data_offsets"][1], name) for name, info in header.items())
    at = 0
    for begin, end, name in spans:
        if begin != at or end < begin:
            raise ValueError("offsets of %r do not tile the data section" % name)
        at = end
    if at != len(data):
        raise ValueError("tensors cover %d of %d data bytes" % (at, len(data)))
    tensors = []
    for name, info in header.items():  # header order (json keeps it)
        dt = np.dtype(ST_DTYPES[info["dtype"]])
        shape = tuple(info["shape"])
        begin, end = info["data_offsets"]
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if count * dt.itemsize != end - begin:
            raise ValueError("span of %r does not match its shape" % name)
        arr = np.frombuffer(data, dtype=dt, count=count, offset=begin).reshape(shape)
        tensors.append(describe(name, arr))
    return {
        "file": path,
        "format": "safetensors",
        "header_length": n,
        "metadata": metadata,
        "tensors": tensors,
    }


def read_npy(path):
    arr = np.load(path, allow_pickle=False)
    with open(path, "rb") as f:
        head = f.read(12)
    version = "%d.%d" % (head[6], head[7])
    return {"file": path, "format": "npy", "version": version, "tensors": [describe("array", arr)]}


def write_npy(directory):
    rng = np.random.default_rng(7)
    arrays = {
        "u8.npy": (rng.random((3, 5)) < 0.5).astype(np.uint8),
        "bool.npy": rng.random((4, 3)) < 0.3,
        "f32.npy": rng.standard_normal((2, 3, 4)).astype(np.float32),
        "f64.npy": rng.standard_normal(7),
        "i32.npy": rng.integers(-(2**31), 2**31 - 1, size=(6, 2), dtype=np.int32),
        "scalar.npy": np.array(3.5, dtype=np.float32),
        "empty.npy": np.zeros((0, 4), dtype=np.float64),
        "bigshape.npy": np.arange(2 * 1 * 3 * 1 * 2, dtype=np.int32).reshape(2, 1, 3, 1, 2),
    }
    out = []
    for name, arr in arrays.items():
        path = directory.rstrip("/") + "/" + name
        np.save(path, arr)
        d = describe(name, arr)
        d["file"] = path
        out.append(d)
    return out


EXPERT_TENSORS = ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]


def expert_digests(path):
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8 : 8 + n].decode("utf-8"))
    header.pop("__metadata__", None)
    data = buf[8 + n :]
    experts = sorted({int(name.split(".")[1]) for name in header})
    out = []
    for r in experts:
        h = hashlib.sha256()
        count = 0
        for t in EXPERT_TENSORS:
            info = header["expert.%d.%s" % (r, t)]
            if info["dtype"] != "F32":
                raise ValueError("expert.%d.%s is %s, not F32" % (r, t, info["dtype"]))
            begin, end = info["data_offsets"]
            arr = np.frombuffer(data, dtype="<f4", count=(end - begin) // 4, offset=begin)
            h.update(arr.tobytes())
            count += arr.size
        out.append({"r": r, "sha256": h.hexdigest(), "parameters": count})
    if len(header) != len(EXPERT_TENSORS) * len(experts):
        raise ValueError("%d tensors for %d experts" % (len(header), len(experts)))
    return {"file": path, "experts": out}


def main(argv):
    if len(argv) >= 2 and argv[0] == "read":
        out = []
        for path in argv[1:]:
            out.append(read_npy(path) if path.endswith(".npy") else read_safetensors(path))
        print(json.dumps({"numpy_version": np.__version__, "files": out}))
    elif len(argv) == 2 and argv[0] == "write-npy":
        print(json.dumps({"numpy_version": np.__version__, "files": write_npy(argv[1])}))
    elif len(argv) == 2 and argv[0] == "expert-digests":
        print(json.dumps({"numpy_version": np.__version__, "files": [expert_digests(argv[1])]}))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
