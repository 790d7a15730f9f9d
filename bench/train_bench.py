"""Training time per epoch: Backstep's trainer against the tutorial's hand-written NumPy loop and
PyTorch float64 (same network, same data, same process). Prints ratios; it asserts nothing.

    PYTHONPATH=. python bench/train_bench.py [--epochs N]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from app.engine.datasets import make_dataset
from app.engine.network import MLPSpec, init_params
from app.engine.train import TrainConfig, train
from bench.server import report


def tutorial_loop(W1, b1, W2, b2, X, Y, lr, epochs):
    """The tutorial's program (sigmoid, ½·MSE, full batch); columns are samples."""
    W1, b1, W2, b2 = W1.copy(), b1[:, None].copy(), W2.copy(), b2[:, None].copy()
    for _ in range(epochs):
        z1 = W1 @ X + b1
        a1 = 1 / (1 + np.exp(-z1))
        z2 = W2 @ a1 + b2
        y_hat = 1 / (1 + np.exp(-z2))
        np.mean(0.5 * (y_hat - Y) ** 2)
        m = X.shape[1]
        delta2 = (y_hat - Y) * y_hat * (1 - y_hat) / m
        dW2 = delta2 @ a1.T
        db2 = np.sum(delta2, axis=1, keepdims=True)
        delta1 = (W2.T @ delta2) * a1 * (1 - a1)
        dW1 = delta1 @ X.T
        db1 = np.sum(delta1, axis=1, keepdims=True)
        W2 -= lr * dW2
        b2 -= lr * db2
        W1 -= lr * dW1
        b1 -= lr * db1


def torch_loop(torch, W1, b1, W2, b2, X, Y, lr, epochs, optimizer="SGD"):
    """The same network in PyTorch float64 with autograd and torch.optim (SGD, or Adam)."""
    ps = [torch.tensor(t, dtype=torch.float64, requires_grad=True) for t in (W1, b1, W2, b2)]
    x, y = torch.tensor(X), torch.tensor(Y)
    opt = getattr(torch.optim, optimizer)(ps, lr=lr)
    for _ in range(epochs):
        opt.zero_grad()
        h = torch.sigmoid(x @ ps[0].T + ps[1])
        out = torch.sigmoid(h @ ps[2].T + ps[3])
        loss = (0.5 * ((out - y) ** 2).sum(dim=1)).mean()
        loss.backward()
        opt.step()


def best_of(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


CASES = [  # title, dataset, samples, hidden neurons, η, optimizer (None: plain SGD)
    ("XOR 2-4-1, 4 samples", "xor", None, 4, 2.0, None),
    ("moons 2-16-1, 200 samples", "moons", 200, 16, 0.5, None),
    ("XOR 2-4-1, Adam", "xor", None, 4, 0.05, "adam"),
    ("moons 2-16-1, Adam", "moons", 200, 16, 0.05, "adam"),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=2000)
    e = ap.parse_args().epochs
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        torch = None
    print(f"{'network':28} {'ours µs/epoch':>14} {'÷ tutorial NumPy':>17} {'÷ PyTorch f64':>14}")
    for title, name, n, hidden, lr, optimizer in CASES:
        d = make_dataset(name, n, 0.1 if n else 0.0, 0)
        layers = [2, hidden, 1]
        w, b = init_params(layers, "normal", 42, 0.5)
        spec = MLPSpec(layers, ["sigmoid", "sigmoid"], "mse", w, b, d.inputs, d.targets, lr)
        if optimizer:
            spec.optimizer = optimizer
        X, Y = d.inputs, d.targets

        def ours_run():
            train(spec, TrainConfig(epochs=e, time_budget=1e9))  # noqa: B023

        def tutorial_run():
            tutorial_loop(w[0], b[0], w[1], b[1], X.T, Y.T, lr, e)  # noqa: B023

        ours = best_of(ours_run) / e
        report("train", title, "µs/epoch", round(ours * 1e6, 1), "", None)
        if optimizer:  # the tutorial's loop has SGD only
            row = f"{title:28} {ours * 1e6:14.1f} {'—':>17}"
        else:
            ref = best_of(tutorial_run) / e
            row = f"{title:28} {ours * 1e6:14.1f} {ours / ref:16.2f}×"
            report("train", title, "÷ NumPy", round(ours / ref, 2), "", None)
        if torch is not None:
            which = "Adam" if optimizer == "adam" else "SGD"

            def torch_run():
                torch_loop(torch, w[0], b[0], w[1], b[1], X, Y, lr, e, which)  # noqa: B023

            pt = best_of(torch_run) / e
            row += f" {ours / pt:13.2f}×"
            report("train", title, "÷ PyTorch", round(ours / pt, 2), "", None)
        else:
            row += f" {'(no torch)':>14}"
        print(row)
    print("A ratio above 1: Backstep takes that many times as long per epoch.")


if __name__ == "__main__":
    main()
