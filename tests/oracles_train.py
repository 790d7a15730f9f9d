"""Independent references for the training tests: a hand-written NumPy MLP and PyTorch."""

from __future__ import annotations

import os

import numpy as np
import pytest


def require_torch():
    """PyTorch, or a skip outside CI; in CI (CI=true) a missing torch is a failure."""
    try:
        import torch
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("torch is not installed (it is required in CI)")
    return torch


def sig(z):
    return 1 / (1 + np.exp(-z))


ACT = {
    "sigmoid": (sig, lambda z: sig(z) * (1 - sig(z))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0) * 1.0),
    "linear": (lambda z: z, lambda z: np.ones_like(z)),
}


def softmax_cols(z):
    e = np.exp(z - z.max(axis=0))
    return e / e.sum(axis=0)


def mlp_grads(weights, biases, acts, X, Y, loss_name="mse"):
    """MSE loss ½·mean Σ(ŷ − y)² and its gradients, written out layer by layer (columns = samples);
    with loss_name="cross_entropy" after a softmax output, mean −Σ y·log p (its δ is p − y)."""
    a, zs, As = X.T, [], [X.T]
    for W, b, act in zip(weights, biases, acts, strict=True):
        z = W @ a + b[:, None]
        a = softmax_cols(z) if act == "softmax" else ACT[act][0](z)
        zs.append(z)
        As.append(a)
    m = X.shape[0]
    if loss_name == "cross_entropy":
        loss = np.mean(-np.sum(Y.T * np.log(a), axis=0))
        delta = (a - Y.T) / m
    else:
        loss = np.mean(0.5 * np.sum((a - Y.T) ** 2, axis=0))
        delta = (a - Y.T) * ACT[acts[-1]][1](zs[-1]) / m
    dws, dbs = [None] * len(weights), [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        dws[l] = delta @ As[l].T
        dbs[l] = delta.sum(axis=1)
        if l:
            delta = (weights[l].T @ delta) * ACT[acts[l - 1]][1](zs[l - 1])
    return loss, dws, dbs
