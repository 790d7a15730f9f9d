"""Whole iterations in matrix form (columns are samples, as in the tutorial's XOR program).

Used by /api/run and by training; it must agree with the stepped path to 1e-12, so it uses the
same ops and the same decomposition (loss gradient, then activation, then weighted sum).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.engine.network import MLPSpec
from app.engine.registry import ACTIVATIONS, LOSSES, activate, softmax_vjp


@dataclass
class Pass:
    zs: list[np.ndarray]  # pre-activations per layer, (out, samples)
    acts: list[np.ndarray]  # activations, acts[0] = X.T
    losses: np.ndarray  # per-sample loss ℓ_s, (samples,)

    @property
    def loss(self) -> float:
        with np.errstate(all="ignore"):  # finite losses whose sum overflows: inf, i.e. diverged
            return float(np.mean(self.losses))

    @property
    def outputs(self) -> np.ndarray:
        return self.acts[-1].T  # (samples, outputs)


def forward(spec: MLPSpec, weights=None, biases=None) -> Pass:
    weights = spec.weights if weights is None else weights
    biases = spec.biases if biases is None else biases
    with np.errstate(all="ignore"):
        a = spec.inputs.T
        zs, acts = [], [a]
        for W, b, act in zip(weights, biases, spec.activations, strict=True):
            z = W @ a + b[:, None]
            a = activate(act, z, spec.leaky_slope, axis=0)
            zs.append(z)
            acts.append(a)
        losses = np.sum(LOSSES[spec.loss].forward(a, spec.targets.T), axis=0)
    return Pass(zs, acts, losses)


def backward(spec: MLPSpec, fp: Pass, weights=None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """∂L/∂W and ∂L/∂b with L the mean of the per-sample losses."""
    weights = spec.weights if weights is None else weights
    m = spec.inputs.shape[0]
    dws: list[np.ndarray] = [None] * len(weights)  # type: ignore[list-item]
    dbs: list[np.ndarray] = [None] * len(weights)  # type: ignore[list-item]
    with np.errstate(all="ignore"):
        da = LOSSES[spec.loss].grad(fp.acts[-1], spec.targets.T)  # ∂ℓ_s/∂ŷ per sample
        for l in range(len(weights) - 1, -1, -1):
            z, a, act = fp.zs[l], fp.acts[l + 1], spec.activations[l]
            if act == "softmax":
                delta = softmax_vjp(a, da, axis=0)
            else:
                delta = da * ACTIVATIONS[act].grad(z, a, spec.leaky_slope)
            dws[l] = (delta @ fp.acts[l].T) / m
            dbs[l] = np.sum(delta, axis=1) / m
            if l:
                da = weights[l].T @ delta
    return dws, dbs


def update(spec: MLPSpec, dws, dbs, weights=None, biases=None) -> tuple[list, list]:
    """W ← W − η·∂L/∂W for every tensor that is not frozen."""
    weights = spec.weights if weights is None else weights
    biases = spec.biases if biases is None else biases
    lr = spec.learning_rate
    with np.errstate(all="ignore"):
        new_w = [
            W if f"W{l + 1}" in spec.frozen else W - lr * dW
            for l, (W, dW) in enumerate(zip(weights, dws, strict=True))
        ]
        new_b = [
            b if f"b{l + 1}" in spec.frozen else b - lr * db
            for l, (b, db) in enumerate(zip(biases, dbs, strict=True))
        ]
    return new_w, new_b


@dataclass
class Iteration:
    before: Pass
    grads_w: list[np.ndarray]
    grads_b: list[np.ndarray]
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    after: Pass


def iterate(spec: MLPSpec) -> Iteration:
    """One forward, backward and update, then the loss with the updated parameters."""
    fp = forward(spec)
    dws, dbs = backward(spec, fp)
    new_w, new_b = update(spec, dws, dbs)
    return Iteration(fp, dws, dbs, new_w, new_b, forward(spec, new_w, new_b))
