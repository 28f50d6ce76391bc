#!/usr/bin/python3
"""An independent safetensors reader (json + numpy only, none of our C++ code) for the checkpoint tests.

Usage: read_safetensors.py FILE
Prints one line per tensor in file order: NAME SHAPE(comma-separated) BITSUM VALUESUM, where BITSUM is
sum((i + 1) * bits(x[i])) mod 2**64 over the raw float32 bit patterns (exact, order-sensitive) and
VALUESUM the float64 sum of the values; then "format VALUE" from __metadata__. Exit 1 on a bad file.
"""
import json
import struct
import sys

import numpy as np


def main(path):
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        sys.exit("too short")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        sys.exit("header length past the end")
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    metadata = header.pop("__metadata__", {})
    for name, info in sorted(header.items(), key=lambda item: item[1]["data_offsets"][0]):
        if info["dtype"] != "F32":
            sys.exit("unexpected dtype " + info["dtype"])
        begin, end = info["data_offsets"]
        shape = info["shape"]
        values = np.frombuffer(data[begin:end], dtype="<f4")
        if values.size != int(np.prod(shape)):
            sys.exit("size does not match the shape of " + name)
        bits = np.frombuffer(data[begin:end], dtype="<u4").astype(np.uint64)
        weights = np.arange(1, bits.size + 1, dtype=np.uint64)
        with np.errstate(over="ignore"):
            bitsum = int(np.sum(bits * weights, dtype=np.uint64))
        valuesum = float(np.sum(values.astype(np.float64)))
        print(name, ",".join(str(d) for d in shape), bitsum, repr(valuesum))
    print("format", json.loads(metadata["format"]))


if __name__ == "__main__":
    main(sys.argv[1])
