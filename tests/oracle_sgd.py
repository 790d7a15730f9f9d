"""A hand-written NumPy reference for whole iterations: k full-batch gradient-descent updates of
a network, written out with samples in rows, independently of the engine's code."""

import numpy as np

EPS = 1e-12  # the engine's documented clip of a probability before a log (losses.py)


def _act(name, z, slope):
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, slope * z)
    if name == "linear":
        return z
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    raise AssertionError(name)


def _act_vjp(name, z, a, g, slope):
    """∂ℓ/∂z from ∂ℓ/∂a (rows = samples)."""
    if name == "sigmoid":
        return g * a * (1 - a)
    if name == "tanh":
        return g * (1 - a * a)
    if name == "relu":
        return g * (z > 0)
    if name == "leaky_relu":
        return g * np.where(z > 0, 1.0, slope)
    if name == "linear":
        return g
    if name == "softmax":
        return a * (g - np.sum(a * g, axis=1, keepdims=True))
    raise AssertionError(name)


def reference_sgd(spec, k):
    """k full-batch updates written out by hand; returns weights, biases and the k + 1 losses."""
    Ws = [w.copy() for w in spec.weights]
    bs = [b.copy() for b in spec.biases]
    X, Y, m = spec.inputs, spec.targets, len(spec.inputs)
    losses = []

    def forward():
        a, zs, acts = X, [], [X]
        for W, b, act in zip(Ws, bs, spec.activations, strict=True):
            z = a @ W.T + b
            a = _act(act, z, spec.leaky_slope)
            zs.append(z)
            acts.append(a)
        p = np.clip(a, EPS, 1 - EPS)
        if spec.loss == "mse":
            per, g = 0.5 * np.sum((a - Y) ** 2, axis=1), a - Y
        elif spec.loss == "bce":
            per = -np.sum(Y * np.log(p) + (1 - Y) * np.log(1 - p), axis=1)
            g = -Y / p + (1 - Y) / (1 - p)
        else:
            per, g = -np.sum(Y * np.log(p), axis=1), -Y / p
        return per.mean(), zs, acts, g

    for _ in range(k):
        loss, zs, acts, g = forward()
        losses.append(loss)
        gw, gb = [None] * len(Ws), [None] * len(Ws)
        for l in range(len(Ws) - 1, -1, -1):
            d = _act_vjp(spec.activations[l], zs[l], acts[l + 1], g, spec.leaky_slope)
            gw[l] = d.T @ acts[l] / m
            gb[l] = d.sum(axis=0) / m
            g = d @ Ws[l]
        for l in range(len(Ws)):
            if f"W{l + 1}" not in spec.frozen:
                Ws[l] = Ws[l] - spec.learning_rate * gw[l]
            if f"b{l + 1}" not in spec.frozen:
                bs[l] = bs[l] - spec.learning_rate * gb[l]
    losses.append(forward()[0])
    return Ws, bs, losses
