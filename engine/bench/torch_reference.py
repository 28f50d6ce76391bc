#!/usr/bin/python3
"""PyTorch opponent of `neural-sandbox bench`: trains the same MLP on the same data and reports samples/s.

Usage: torch_reference.py DIR
DIR holds x.f32 (N x D float32, little-endian raw), y.i32 (N int32 labels) and spec.json with
inputs, hidden [{width, activation}], outputs, head, loss, optimizer, lr, beta1, beta2, epsilon, batch,
steps, repeats, threads, seed and device ("cpu", or "cuda" for PyTorch eager on the GPU: the data, model and
permutations on the device, the clock read after torch.cuda.synchronize()). Prints ONE JSON line: samples_per_sec (median over the timed blocks),
blocks, threads, torch, final_loss. Errors: one line on stderr, exit 2 for bad input.

Fairness: the idiomatic fast PyTorch loop, nothing slowed down on purpose: the data is one float32
tensor, each epoch a torch.randperm, batches sliced by index (no DataLoader), nn.Sequential, fused
CrossEntropyLoss / BCEWithLogitsLoss on logits, zero_grad(set_to_none=True), a warm-up before timing,
and the loss is read back only at the end (no per-step synchronisation).
On a shared or oversubscribed machine libgomp's spinning threads collapse (measured: 2 threads at
batch 256 fell from ~20k to ~3.6k samples/s under load); the caller may set OMP_WAIT_POLICY=PASSIVE
(read when torch is imported, so it must be in the environment) for both sides of a comparison.
"""
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn


def fail(message):
    print("torch_reference.py: " + message, file=sys.stderr)
    sys.exit(2)


ACTIVATIONS = {
    "linear": nn.Identity,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "leaky-relu": lambda: nn.LeakyReLU(0.01),
    "gelu": nn.GELU,  # exact erf form, as the CPU backend
}


def load_spec(directory):
    path = os.path.join(directory, "spec.json")
    try:
        with open(path, encoding="utf-8") as f:
            spec = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{path}: {e}")
    defaults = {"hidden": [], "head": "softmax", "loss": "ce", "optimizer": "adam", "lr": 1e-3, "beta1": 0.9,
                "beta2": 0.999, "epsilon": 1e-7, "batch": 32, "steps": 100, "repeats": 5, "threads": 1, "seed": 1,
                "device": "cpu"}
    for key, value in defaults.items():
        spec.setdefault(key, value)
    for key in ("inputs", "outputs"):
        if not isinstance(spec.get(key), int) or spec[key] < 1:
            fail(f"{path}: '{key}' must be a positive integer")
    for key in ("batch", "steps", "repeats", "threads"):
        if not isinstance(spec[key], int) or spec[key] < 1:
            fail(f"{path}: '{key}' must be a positive integer")
    for layer in spec["hidden"]:
        if not isinstance(layer.get("width"), int) or layer["width"] < 1:
            fail(f"{path}: every hidden layer needs a positive integer 'width'")
        if layer.get("activation", "relu") not in ACTIVATIONS:
            fail(f"{path}: unknown activation {layer.get('activation')!r}")
    if (spec["head"], spec["loss"]) not in {("softmax", "ce"), ("softmax", "mse"), ("sigmoid", "bce"),
                                            ("sigmoid", "mse"), ("linear", "mse")}:
        fail(f"{path}: the {spec['head']} head does not go with the {spec['loss']} loss")
    if spec["device"] not in ("cpu", "cuda"):
        fail(f"{path}: device {spec['device']!r} is not supported (cpu, cuda)")
    if spec["device"] == "cuda" and not torch.cuda.is_available():
        fail(f"{path}: device 'cuda' but torch.cuda.is_available() is false")
    if spec["optimizer"] not in ("adam", "adamw", "sgd"):
        fail(f"{path}: optimizer {spec['optimizer']!r} is not supported (adam, adamw, sgd)")
    return spec


def load_data(directory, spec):
    xpath, ypath = os.path.join(directory, "x.f32"), os.path.join(directory, "y.i32")
    try:
        x = np.fromfile(xpath, dtype="<f4")
        y = np.fromfile(ypath, dtype="<i4")
    except OSError as e:
        fail(str(e))
    if x.size % spec["inputs"] != 0:
        fail(f"{xpath}: {x.size} floats is not a multiple of inputs = {spec['inputs']}")
    n = x.size // spec["inputs"]
    if y.size != n:
        fail(f"{ypath}: {y.size} labels for {n} samples")
    if n < spec["batch"]:
        fail(f"{xpath}: {n} samples is fewer than one batch of {spec['batch']}")
    classes = max(spec["outputs"], 2)
    if n and (y.min() < 0 or y.max() >= classes):
        fail(f"{ypath}: labels must lie in [0, {classes})")
    return torch.from_numpy(x.reshape(n, spec["inputs"]).copy()), torch.from_numpy(y.astype(np.int64))


def build(spec):
    layers, width = [], spec["inputs"]
    for layer in spec["hidden"]:
        layers += [nn.Linear(width, layer["width"]), ACTIVATIONS[layer.get("activation", "relu")]()]
        width = layer["width"]
    layers.append(nn.Linear(width, spec["outputs"]))
    return nn.Sequential(*layers)


def loss_function(spec):
    """A function of (logits, int64 labels): the head is fused into the loss where torch can fuse it."""
    outputs, head, loss = spec["outputs"], spec["head"], spec["loss"]
    if head == "softmax" and loss == "ce":
        ce = nn.CrossEntropyLoss()
        return lambda z, y: ce(z, y)

    def target(y):  # one-hot for several outputs, the label itself for one, as the engine's LossOp
        return nn.functional.one_hot(y, outputs).float() if outputs > 1 else y.float().unsqueeze(1)

    if head == "sigmoid" and loss == "bce":
        bce = nn.BCEWithLogitsLoss()
        return lambda z, y: bce(z, target(y))
    mse = nn.MSELoss()
    if head == "softmax":
        return lambda z, y: mse(torch.softmax(z, dim=1), target(y))
    if head == "sigmoid":
        return lambda z, y: mse(torch.sigmoid(z), target(y))
    return lambda z, y: mse(z, target(y))


def main():
    if len(sys.argv) != 2:
        fail("usage: torch_reference.py DIR")
    directory = sys.argv[1]
    spec = load_spec(directory)
    torch.set_num_threads(spec["threads"])
    torch.manual_seed(spec["seed"])
    device = torch.device(spec["device"])
    x, y = load_data(directory, spec)
    x, y = x.to(device), y.to(device)
    model = build(spec).to(device)
    criterion = loss_function(spec)
    betas = (spec["beta1"], spec["beta2"])
    if spec["optimizer"] == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=spec["lr"], betas=betas, eps=spec["epsilon"])
    elif spec["optimizer"] == "adamw":
        optimizer = torch.optim.AdamW(model.parameters(), lr=spec["lr"], betas=betas, eps=spec["epsilon"])
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=spec["lr"])

    batch, n = spec["batch"], x.shape[0]
    per_epoch = n // batch  # the last partial batch is dropped, as the engine does
    state = {"perm": torch.randperm(n, device=device), "cursor": 0}

    def synchronize():
        if device.type == "cuda":
            torch.cuda.synchronize()

    def run(steps):
        loss = None
        for _ in range(steps):
            if state["cursor"] == per_epoch:
                state["perm"], state["cursor"] = torch.randperm(n, device=device), 0
            index = state["perm"][state["cursor"] * batch:(state["cursor"] + 1) * batch]
            state["cursor"] += 1
            optimizer.zero_grad(set_to_none=True)
            loss = criterion(model(x[index]), y[index])
            loss.backward()
            optimizer.step()
        return loss

    run(max(10, spec["steps"] // 5))  # warm-up: allocator, thread pool, first-touch of the weights
    synchronize()
    blocks = []
    loss = None
    for _ in range(spec["repeats"]):
        start = time.perf_counter()
        loss = run(spec["steps"])
        synchronize()
        seconds = time.perf_counter() - start
        blocks.append(batch * spec["steps"] / seconds)
    print(json.dumps({"samples_per_sec": statistics.median(blocks), "blocks": blocks, "threads": spec["threads"],
                      "torch": torch.__version__, "device": spec["device"], "final_loss": float(loss.item())}))


if __name__ == "__main__":
    main()
