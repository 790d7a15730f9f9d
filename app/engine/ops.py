"""The graph's operations: forward(xs, attrs) and ∂out/∂xs[k] side by side.

The weighted sum, an activation (any of the registry's), a loss (any of the registry's) and the
primitive operations of expression graphs. Activations and losses are defined once, in
`app.engine.registry`; this module only wires them into the graph.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.engine.registry import ACTIVATIONS, LOSSES, PRIMITIVES, Primitive

# ── graph ops: forward(xs, attrs) and ∂out/∂xs[k] side by side ─────────────────
# xs: list of arrays of shape (batch,) or scalars (parameters broadcast over the batch).


@dataclass(frozen=True)
class Op:
    name: str
    forward: Callable[[list, dict], np.ndarray]
    grad: Callable[[list, np.ndarray, int, dict], np.ndarray]


def _wsum_forward(xs: list, attrs: dict) -> np.ndarray:
    # inputs: a₀…aₙ₋₁, w₀…wₙ₋₁, b  →  Σ wᵢ·aᵢ + b
    k = attrs["fan_in"]
    return wsum(np.asarray(xs[k : 2 * k], dtype=float), np.vstack(xs[:k]), xs[2 * k])


def wsum(w: np.ndarray, a: np.ndarray, b) -> np.ndarray:
    """z = Σ wᵢ·aᵢ + b for weights (k,), inputs (k, samples) and a bias: the one formula, used by
    single steps and by the stepper's gathered fast path alike."""
    return w @ a + b


def _wsum_grad(xs: list, out: np.ndarray, i: int, attrs: dict) -> np.ndarray:
    k = attrs["fan_in"]
    if i < k:
        return np.broadcast_to(xs[k + i], out.shape)  # ∂z/∂aᵢ = wᵢ
    if i < 2 * k:
        return xs[i - k]  # ∂z/∂wᵢ = aᵢ
    return np.ones_like(out)  # ∂z/∂b = 1


def slope_of(attrs: dict) -> float:
    """An activation node's leaky slope (leaky relu's; the others ignore it)."""
    return attrs.get("slope", 0.01)


def _act_forward(xs: list, attrs: dict) -> np.ndarray:
    act, slope = ACTIVATIONS[attrs["activation"]], slope_of(attrs)
    if act.output_only:  # a coupled layer: this neuron's share of f(all the layer's z)
        return act.forward(np.vstack(xs), slope)[attrs["index"]]
    return act.forward(xs[0], slope)


def _act_grad(xs: list, out: np.ndarray, i: int, attrs: dict) -> np.ndarray:
    act = ACTIVATIONS[attrs["activation"]]
    if act.jacobian is not None:  # ∂a_j/∂z_i across the layer
        return act.jacobian(np.vstack(xs), out, i, attrs["index"])
    return act.grad(xs[0], out, slope_of(attrs))


def _unary_activation(name: str) -> Op:
    """An activation as a function of the expression language: name(u)."""
    act = ACTIVATIONS[name]
    return Op(
        name,
        lambda xs, attrs: act.forward(xs[0], 0.0),
        lambda xs, out, i, attrs: act.grad(xs[0], out, 0.0),
    )


def _loss_forward(xs: list, attrs: dict) -> np.ndarray:
    k = len(xs) // 2
    loss = LOSSES[attrs["loss"]]
    return np.add.reduce(loss.forward(np.vstack(xs[:k]), np.vstack(xs[k:])), axis=0)  # np.sum


def _loss_grad(xs: list, out: np.ndarray, i: int, attrs: dict) -> np.ndarray:
    k = len(xs) // 2
    return LOSSES[attrs["loss"]].grad(xs[i], xs[k + i])


def _primitive(p: Primitive) -> Op:
    return Op(p.name, lambda xs, attrs: p.forward(xs), lambda xs, out, i, attrs: p.grad(xs, out, i))


OPS: dict[str, Op] = {
    "wsum": Op("wsum", _wsum_forward, _wsum_grad),
    "act": Op("act", _act_forward, _act_grad),
    "loss": Op("loss", _loss_forward, _loss_grad),
    **{name: _primitive(p) for name, p in PRIMITIVES.items()},
    **{name: _unary_activation(name) for name, act in ACTIVATIONS.items() if act.expression},
}
